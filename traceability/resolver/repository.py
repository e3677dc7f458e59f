"""Finding products and lots by their GS1 identifiers."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.registry.origin import ProductOrigin, product_origin
from traceability.resolver.digital_link import DigitalLink

Q = queries_beside(__file__)


async def origin_for_link(conn: asyncpg.Connection, link: DigitalLink) -> ProductOrigin | None:
    """The product (and lot, if the link names one that exists) a Digital Link points at.

    A lot the registry does not know falls back to the product, as GS1 resolvers walk up
    from the most specific key to the least.
    """
    product_id = await conn.fetchval(Q["product_by_gtin"], link.gtin)
    if product_id is None:
        return None
    lot_id = await conn.fetchval(Q["lot_by_code"], product_id, link.lot) if link.lot else None
    return await product_origin(conn, product_id, lot_id)


async def origin_for_lot(conn: asyncpg.Connection, lot_id: int) -> ProductOrigin | None:
    product_id = await conn.fetchval(Q["lot_product"], lot_id)
    if product_id is None:
        return None
    return await product_origin(conn, product_id, lot_id)
