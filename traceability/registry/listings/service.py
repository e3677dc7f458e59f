"""The rules for marketplace listings, shared by the API and the portal's product page."""

from __future__ import annotations

import asyncpg

from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.registry.listings import repository as listings
from traceability.registry.listings.schemas import Listing, ListingCreate
from traceability.registry.products.service import owned_product


async def add_listing(
    conn: asyncpg.Connection, principal: Principal, product_id: int, data: ListingCreate
) -> Listing:
    product = await owned_product(conn, principal, product_id)
    created = await listings.insert(conn, product_id, data)
    await record(
        conn, principal, "create", "marketplace_listing", created.id,
        cooperative_id=product.cooperative_id, after=created,
    )  # fmt: skip
    return created


async def delete_listing(
    conn: asyncpg.Connection, principal: Principal, product_id: int, listing_id: int
) -> None:
    product = await owned_product(conn, principal, product_id)
    gone = await listings.delete(conn, product_id, listing_id)
    await record(
        conn, principal, "delete", "marketplace_listing", listing_id,
        cooperative_id=product.cooperative_id, before=gone,
    )  # fmt: skip
