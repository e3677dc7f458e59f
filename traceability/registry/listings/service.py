"""The rules for marketplace listings, shared by the API and the portal's product page."""

from __future__ import annotations

import asyncpg

from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.registry.access import may_manage
from traceability.registry.listings import repository as listings
from traceability.registry.listings.schemas import Listing, ListingCreate
from traceability.registry.products import repository as products
from traceability.registry.products.service import owned_product


async def listings_of(
    conn: asyncpg.Connection, principal: Principal, product_id: int
) -> list[Listing]:
    """Where to buy the product: listings waiting for the authority's approval are the
    cooperative's and the authority's business, everyone else sees the approved ones."""
    product = await products.get(conn, product_id)
    return await listings.list_for_product(
        conn, product_id, approved_only=not may_manage(principal, product.cooperative_id)
    )


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


async def approve_listing(
    conn: asyncpg.Connection, principal: Principal, product_id: int, listing_id: int
) -> Listing:
    """The authority lets scan pages lead to an ``own_shop`` or ``other`` listing (those on a
    marketplace's own hosts need no approval)."""
    product = await products.get(conn, product_id)
    before = await listings.get(conn, product_id, listing_id)
    approved = await listings.approve(conn, product_id, listing_id, principal.key_id)
    await record(
        conn, principal, "approve", "marketplace_listing", listing_id,
        cooperative_id=product.cooperative_id, before=before, after=approved,
    )  # fmt: skip
    return approved
