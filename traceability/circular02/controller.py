"""GET …/circular-02: a product's or a lot's record for the national traceability portal."""

from __future__ import annotations

from typing import Any, Literal

import msgspec
from litestar import Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery

from traceability.circular02.service import record, record_csv
from traceability.deps import Conn
from traceability.errors import NotFound
from traceability.inputs import PathId
from traceability.registry.origin import ProductOrigin, product_origin
from traceability.resolver.controller import public_base
from traceability.resolver.repository import origin_for_lot

Format = Literal["json", "csv"]
_DESCRIPTION = (
    "The fields Circular 02/2024/TT-BKHCN requires (product name and images, producer and "
    "address, each stage with item and place trace codes and time, production time, trace "
    "codes, brand, shelf life, applied standards), as JSON or as CSV (UTF-8 with BOM, one row "
    "per stage). Public: the same facts the consumer page shows."
)

_RECORD = ResponseSpec(
    dict[str, Any],
    description="The record: JSON by default, CSV with ?format=csv",
    media_type="application/json",
)
_FORMATS = {"media_types": ("application/json", "text/csv")}


def _answer(
    request: Request[Any, Any, Any], origin: ProductOrigin, format: Format, name: str
) -> Response[bytes]:
    data = record(public_base(request), origin)
    if format == "csv":
        return Response(
            record_csv(data),
            media_type="text/csv",  # Litestar adds "; charset=utf-8" to text/ types
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(msgspec.json.encode(data), media_type="application/json")


@get(
    "/api/v1/products/{product_id:int}/circular-02",
    summary="A product's traceability record (Circular 02/2024/TT-BKHCN)",
    description=_DESCRIPTION,
    tags=["gs1"],
    responses={200: _RECORD},
    opt=_FORMATS,
)
async def product_circular_02(
    request: Request[Any, Any, Any],
    conn: Conn,
    product_id: PathId,
    format: FromQuery[Format] = "json",
) -> Response[bytes]:
    origin = await product_origin(conn, product_id, None)
    if origin is None:
        raise NotFound(f"No product {product_id}.")
    return _answer(request, origin, format, f"circular-02-product-{product_id}")


@get(
    "/api/v1/lots/{lot_id:int}/circular-02",
    summary="A lot's traceability record (Circular 02/2024/TT-BKHCN)",
    description=_DESCRIPTION,
    tags=["gs1"],
    responses={200: _RECORD},
    opt=_FORMATS,
)
async def lot_circular_02(
    request: Request[Any, Any, Any],
    conn: Conn,
    lot_id: PathId,
    format: FromQuery[Format] = "json",
) -> Response[bytes]:
    origin = await origin_for_lot(conn, lot_id)
    if origin is None or origin.lot is None:
        raise NotFound(f"No lot {lot_id}.")
    return _answer(request, origin, format, f"circular-02-lot-{lot_id}")


ROUTES = [product_circular_02, lot_circular_02]
