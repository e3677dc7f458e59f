"""Marketplace listings in the database."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.errors import NotFound
from traceability.registry.listings.schemas import Listing, ListingCreate

Q = queries_beside(__file__)


async def insert(conn: asyncpg.Connection, product_id: int, data: ListingCreate) -> Listing:
    row = await conn.fetchrow(Q["insert_listing"], product_id, data.platform, data.url, data.label)
    return Listing(**dict(row))


async def list_for_product(conn: asyncpg.Connection, product_id: int) -> list[Listing]:
    return [Listing(**dict(r)) for r in await conn.fetch(Q["list_listings"], product_id)]


async def delete(conn: asyncpg.Connection, product_id: int, listing_id: int) -> Listing:
    row = await conn.fetchrow(Q["delete_listing"], listing_id, product_id)
    if row is None:
        raise NotFound(f"Product {product_id} has no listing {listing_id}.")
    return Listing(**dict(row))
