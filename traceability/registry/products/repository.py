"""Products and their certifications in the database."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.errors import Conflict, NotFound
from traceability.pagination import Keyset
from traceability.registry.products.schemas import (
    Certification,
    CertificationCreate,
    Product,
    ProductCreate,
)

Q = queries_beside(__file__)

_COLUMNS = (
    "name_vi", "name_en", "category", "gtin", "brand", "ocop_stars", "ocop_score",
    "ocop_certificate_no", "ocop_issued_on", "ocop_expires_on", "geographical_indication",
    "applied_standards", "description", "image_url",
)  # fmt: skip


def _values(data: ProductCreate) -> list[object]:
    return [getattr(data, column) for column in _COLUMNS]


async def insert(conn: asyncpg.Connection, cooperative_id: int, data: ProductCreate) -> Product:
    row = await conn.fetchrow(Q["insert_product"], cooperative_id, *_values(data))
    return Product(**dict(row))


async def find(conn: asyncpg.Connection, product_id: int) -> Product | None:
    row = await conn.fetchrow(Q["get_product"], product_id)
    return None if row is None else Product(**dict(row))


async def get(conn: asyncpg.Connection, product_id: int) -> Product:
    found = await find(conn, product_id)
    if found is None:
        raise NotFound(f"No product {product_id}.")
    return found


async def find_by_gtin(conn: asyncpg.Connection, gtin: str) -> Product | None:
    row = await conn.fetchrow(Q["find_by_gtin"], gtin)
    return None if row is None else Product(**dict(row))


async def update(conn: asyncpg.Connection, product_id: int, data: ProductCreate) -> Product:
    row = await conn.fetchrow(Q["update_product"], product_id, *_values(data))
    if row is None:
        raise NotFound(f"No product {product_id}.")
    return Product(**dict(row))


async def delete(conn: asyncpg.Connection, product_id: int) -> None:
    try:
        await conn.execute(Q["delete_product"], product_id)
    except asyncpg.ForeignKeyViolationError as exc:
        raise Conflict("This product has lots or stamps; it cannot be deleted.") from exc


async def list_products(
    conn: asyncpg.Connection,
    *,
    cooperative_id: int | None,
    category: str | None,
    ocop_stars: int | None,
    gtin: str | None,
    keys: Keyset,
) -> list[Product]:
    rows = await conn.fetch(
        Q["list_products"], cooperative_id, category, ocop_stars, gtin, *keys.args()
    )
    return [Product(**dict(r)) for r in rows]


async def insert_certification(
    conn: asyncpg.Connection, product_id: int, data: CertificationCreate
) -> Certification:
    row = await conn.fetchrow(
        Q["insert_certification"],
        product_id,
        data.scheme,
        data.number,
        data.issuer,
        data.issued_on,
        data.expires_on,
    )
    return Certification(**dict(row))


async def list_certifications(conn: asyncpg.Connection, product_id: int) -> list[Certification]:
    rows = await conn.fetch(Q["list_certifications"], product_id)
    return [Certification(**dict(r)) for r in rows]


async def delete_certification(
    conn: asyncpg.Connection, product_id: int, certification_id: int
) -> Certification:
    row = await conn.fetchrow(Q["delete_certification"], certification_id, product_id)
    if row is None:
        raise NotFound(f"Product {product_id} has no certification {certification_id}.")
    return Certification(**dict(row))
