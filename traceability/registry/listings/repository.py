"""Marketplace listings in the database."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.errors import NotFound
from traceability.registry.listings.schemas import NEEDS_APPROVAL, Listing, ListingCreate

Q = queries_beside(__file__)


async def insert(conn: asyncpg.Connection, product_id: int, data: ListingCreate) -> Listing:
    approved = data.platform not in NEEDS_APPROVAL
    row = await conn.fetchrow(
        Q["insert_listing"], product_id, data.platform, data.url, data.label, approved
    )
    return Listing(**dict(row))


async def list_for_product(
    conn: asyncpg.Connection, product_id: int, *, approved_only: bool = True
) -> list[Listing]:
    """A product's listings; by default only those consumers may be sent to."""
    rows = await conn.fetch(Q["list_listings"], product_id, approved_only)
    return [Listing(**dict(r)) for r in rows]


async def get(conn: asyncpg.Connection, product_id: int, listing_id: int) -> Listing:
    row = await conn.fetchrow(Q["get_listing"], listing_id, product_id)
    if row is None:
        raise NotFound(f"Product {product_id} has no listing {listing_id}.")
    return Listing(**dict(row))


async def approve(
    conn: asyncpg.Connection, product_id: int, listing_id: int, approved_by: int | None
) -> Listing:
    row = await conn.fetchrow(Q["approve_listing"], listing_id, product_id, approved_by)
    if row is None:
        raise NotFound(f"Product {product_id} has no listing {listing_id}.")
    return Listing(**dict(row))


async def delete(conn: asyncpg.Connection, product_id: int, listing_id: int) -> Listing:
    row = await conn.fetchrow(Q["delete_listing"], listing_id, product_id)
    if row is None:
        raise NotFound(f"Product {product_id} has no listing {listing_id}.")
    return Listing(**dict(row))
