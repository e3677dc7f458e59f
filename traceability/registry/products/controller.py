"""Products and their certifications over HTTP: public to read, written by their owner."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.deps import READS_FROM_REPLICA, Caller, Conn
from traceability.errors import InvalidInput, NotFound
from traceability.inputs import PathId, QueryId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, keyset, page
from traceability.registry.origin import ProductOrigin, product_origin
from traceability.registry.products import repository as products
from traceability.registry.products import service
from traceability.registry.products.schemas import (
    Category,
    Certification,
    CertificationCreate,
    OcopStars,
    Product,
    ProductCreate,
    ProductPatch,
    ProductSort,
)
from traceability.registry.types import to_gtin14


class ProductController(Controller):
    path = "/api/v1/products"
    tags = ["registry: products"]
    guards = [AUTHENTICATED]

    @post("/", guards=[WRITERS], summary="Register a product")
    async def create_product(
        self, conn: Conn, principal: Caller, data: JSONBody[ProductCreate]
    ) -> Product:
        return await service.create_product(conn, principal, data)

    @get("/", summary="Products, filtered and sorted")
    async def list_products(
        self,
        conn: Conn,
        principal: Caller,
        cooperative_id: QueryId = None,
        category: FromQuery[Category | None] = None,
        ocop_stars: FromQuery[OcopStars | None] = None,
        gtin: FromQuery[str | None] = None,
        sort: FromQuery[ProductSort] = "id",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[Product]:
        keys = keyset(sort, "name", cursor, limit)
        rows = await products.list_products(
            conn,
            cooperative_id=cooperative_id,
            category=category,
            ocop_stars=ocop_stars,
            gtin=_gtin_filter(gtin),
            keys=keys,
        )
        return page(rows, keys, lambda p: p.name_vi)

    @get("/{product_id:int}", summary="One product")
    async def get_product(self, conn: Conn, principal: Caller, product_id: PathId) -> Product:
        return await products.get(conn, product_id)

    @patch("/{product_id:int}", guards=[WRITERS], summary="Update a product (partial)")
    async def update_product(
        self, conn: Conn, principal: Caller, product_id: PathId, data: JSONBody[ProductPatch]
    ) -> Product:
        return await service.update_product(conn, principal, product_id, data)

    @delete(
        "/{product_id:int}",
        guards=[WRITERS],
        summary="Delete a product that has no lots or stamps",
    )
    async def delete_product(self, conn: Conn, principal: Caller, product_id: PathId) -> None:
        await service.delete_product(conn, principal, product_id)

    @get(
        "/{product_id:int}/origin",
        summary="What a stamp's scan page shows about a product",
        dependencies=READS_FROM_REPLICA,
    )
    async def get_origin(
        self,
        conn: Conn,
        principal: Caller,
        product_id: PathId,
        lot_id: QueryId = None,
    ) -> ProductOrigin:
        origin = await product_origin(conn, product_id, lot_id)
        if origin is None:
            raise NotFound(f"No product {product_id}.")
        return origin

    @get("/{product_id:int}/certifications", summary="A product's other certifications")
    async def list_certifications(
        self, conn: Conn, principal: Caller, product_id: PathId
    ) -> list[Certification]:
        await products.get(conn, product_id)
        return await products.list_certifications(conn, product_id)

    @post(
        "/{product_id:int}/certifications",
        guards=[WRITERS],
        summary="Add a certification (VietGAP, organic…)",
    )
    async def add_certification(
        self,
        conn: Conn,
        principal: Caller,
        product_id: PathId,
        data: JSONBody[CertificationCreate],
    ) -> Certification:
        return await service.add_certification(conn, principal, product_id, data)

    @delete(
        "/{product_id:int}/certifications/{certification_id:int}",
        guards=[WRITERS],
        summary="Remove a certification",
    )
    async def delete_certification(
        self,
        conn: Conn,
        principal: Caller,
        product_id: PathId,
        certification_id: PathId,
    ) -> None:
        await service.delete_certification(conn, principal, product_id, certification_id)


def _gtin_filter(gtin: str | None) -> str | None:
    if gtin is None:
        return None
    try:
        return to_gtin14(gtin.strip())
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
