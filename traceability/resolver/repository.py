"""Finding products and lots by their GS1 identifiers."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.registry.origin import ProductOrigin, product_origin
from traceability.resolver.digital_link import DigitalLink

Q = queries_beside(__file__)


async def ids_for_link(
    conn: asyncpg.Connection, link: DigitalLink
) -> tuple[int, int | None] | None:
    """(product id, lot id or None) a Digital Link points at; None for an unknown GTIN.

    A lot the registry does not know falls back to the product, as GS1 resolvers walk up
    from the most specific key to the least.
    """
    product_id: int | None = await conn.fetchval(Q["product_by_gtin"], link.gtin)
    if product_id is None:
        return None
    lot_id = await conn.fetchval(Q["lot_by_code"], product_id, link.lot) if link.lot else None
    return product_id, lot_id


async def origin_for_link(conn: asyncpg.Connection, link: DigitalLink) -> ProductOrigin | None:
    """The product (and lot, if the link names one that exists) a Digital Link points at."""
    ids = await ids_for_link(conn, link)
    return await product_origin(conn, *ids) if ids else None


async def listing_url(conn: asyncpg.Connection, listing_id: int) -> str | None:
    url: str | None = await conn.fetchval(Q["listing_url"], listing_id)
    return url


async def origin_for_lot(conn: asyncpg.Connection, lot_id: int) -> ProductOrigin | None:
    product_id = await conn.fetchval(Q["lot_product"], lot_id)
    if product_id is None:
        return None
    return await product_origin(conn, product_id, lot_id)


async def lot_stamp_activations(conn: asyncpg.Connection, lot_id: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(Q["lot_stamp_activations"], lot_id)
    return rows
