"""The public read model of a product's origin: everything the consumer scan page shows.

Circular 02/2024/TT-BKHCN: the consumer sees the product's name and image, the producer's
name and address, production times, brand, expiry and applied standards; we add the OCOP
rating, certifications, planting area, the lot's timeline and where to buy it again.
The stamp and scan code depends on ``product_origin``; keep its signature stable.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg
import msgspec

from traceability.db.sql import queries_beside
from traceability.registry.listings import repository as listings
from traceability.registry.listings.schemas import Listing
from traceability.registry.lots import repository as lots
from traceability.registry.lots.schemas import LotEvent
from traceability.registry.products import repository as products
from traceability.registry.products.schemas import Certification

Q = queries_beside(__file__)

__all__ = [
    "Certification",
    "Listing",
    "LotEvent",
    "OriginCooperative",
    "OriginLot",
    "OriginPlantingArea",
    "OriginRecall",
    "ProductOrigin",
    "product_origin",
]


class OriginCooperative(msgspec.Struct, frozen=True):
    id: int
    name: str
    province: str
    district: str | None
    """The former district (before 1 July 2025), if recorded."""
    commune: str
    address_line: str | None
    phone: str | None
    website: str | None
    gln: str | None = None
    """GS1 GLN, when the cooperative has one (EPCIS exports name its places by it)."""


class OriginPlantingArea(msgspec.Struct, frozen=True):
    id: int
    code: str
    """Decision 3156/QĐ-BNN-TT code, e.g. VN-HG-BQ-VH-001-24."""
    crop: str
    name: str | None
    gln: str | None = None


class OriginRecall(msgspec.Struct, frozen=True):
    reason: str
    recalled_at: datetime


class OriginLot(msgspec.Struct, frozen=True):
    id: int
    code: str
    harvested_on: date
    expires_on: date | None
    quantity: float
    unit: str
    recall: OriginRecall | None = None
    """Set when the lot was recalled: every stamp of it says so first."""


class ProductOrigin(msgspec.Struct, frozen=True):
    product_id: int
    gtin: str | None
    name_vi: str
    name_en: str | None
    category: str
    image_url: str | None
    brand: str | None
    description: str | None
    ocop_stars: int | None
    ocop_score: int | None
    ocop_certificate_no: str | None
    ocop_issued_on: date | None
    ocop_expires_on: date | None
    geographical_indication: str | None
    applied_standards: str | None
    cooperative: OriginCooperative
    certifications: list[Certification]
    listings: list[Listing]
    """In the order the cooperative added them; ``id`` is what click counting refers to."""
    planting_area: OriginPlantingArea | None = None
    """The planting area of the lot; None without a lot or when the lot names none."""
    lot: OriginLot | None = None
    """None when no lot was asked for, or ``lot_id`` is not a lot of this product."""
    timeline: list[LotEvent] = []
    """The lot's events ordered by occurred_at, id; empty without a lot."""


async def product_origin(
    conn: asyncpg.Connection, product_id: int, lot_id: int | None
) -> ProductOrigin | None:
    """Everything the scan page shows about a product (and a lot of it); None if no product."""
    row = await conn.fetchrow(Q["origin_product"], product_id)
    if row is None:
        return None
    values = dict(row)
    cooperative = OriginCooperative(
        id=values.pop("cooperative_id"),
        name=values.pop("cooperative_name"),
        **{f: values.pop(f) for f in ("province", "district", "commune", "address_line")},
        **{f: values.pop(f) for f in ("phone", "website")},
        gln=values.pop("cooperative_gln"),
    )
    lot, area, timeline = await _lot_part(conn, product_id, lot_id)
    return ProductOrigin(
        **values,
        cooperative=cooperative,
        certifications=await products.list_certifications(conn, product_id),
        listings=await listings.list_for_product(conn, product_id),
        planting_area=area,
        lot=lot,
        timeline=timeline,
    )


async def _lot_part(
    conn: asyncpg.Connection, product_id: int, lot_id: int | None
) -> tuple[OriginLot | None, OriginPlantingArea | None, list[LotEvent]]:
    if lot_id is None:
        return None, None, []
    row = await conn.fetchrow(Q["origin_lot"], lot_id, product_id)
    if row is None:
        return None, None, []
    values: dict[str, Any] = dict(row)
    area = None
    if values["area_id"] is not None:
        area = OriginPlantingArea(
            values.pop("area_id"),
            values.pop("area_code"),
            values.pop("area_crop"),
            values.pop("area_name"),
            values.pop("area_gln"),
        )
    recall = None
    if values["recalled_at"] is not None:
        recall = OriginRecall(values["recall_reason"], values["recalled_at"])
    fields = [f for f in OriginLot.__struct_fields__ if f != "recall"]
    lot = OriginLot(**{f: values[f] for f in fields}, recall=recall)
    return lot, area, await lots.timeline(conn, lot_id)
