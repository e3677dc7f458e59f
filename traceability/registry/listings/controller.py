"""Marketplace listings over HTTP, nested under their product."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody

from traceability.accounts.guards import AUTHENTICATED, AUTHORITY, WRITERS
from traceability.audit.repository import record
from traceability.deps import READS_FROM_REPLICA, Caller, Conn
from traceability.inputs import PathId
from traceability.registry.access import may_manage
from traceability.registry.listings import repository as listings
from traceability.registry.listings.schemas import Listing, ListingCreate
from traceability.registry.products import repository as products
from traceability.registry.products.controller import owned_product


class ListingController(Controller):
    path = "/api/v1/products/{product_id:int}/listings"
    tags = ["registry: products"]
    guards = [AUTHENTICATED]

    @get("/", summary="Where to buy a product online", dependencies=READS_FROM_REPLICA)
    async def list_listings(
        self, conn: Conn, principal: Caller, product_id: PathId
    ) -> list[Listing]:
        product = await products.get(conn, product_id)
        # Listings waiting for approval are the cooperative's and the authority's business.
        return await listings.list_for_product(
            conn, product_id, approved_only=not may_manage(principal, product.cooperative_id)
        )

    @post(
        "/", guards=[WRITERS], summary="Add a marketplace listing (Voso, Postmart, Sendo, Shopee…)"
    )
    async def add_listing(
        self,
        conn: Conn,
        principal: Caller,
        product_id: PathId,
        data: JSONBody[ListingCreate],
    ) -> Listing:
        product = await owned_product(conn, principal, product_id)
        created = await listings.insert(conn, product_id, data)
        await record(
            conn, principal, "create", "marketplace_listing", created.id,
            cooperative_id=product.cooperative_id, after=created,
        )  # fmt: skip
        return created

    @post(
        "/{listing_id:int}/approval",
        guards=[AUTHORITY],
        status_code=200,
        summary="Approve an own_shop or other listing, so scan pages may lead there (authority)",
    )
    async def approve_listing(
        self, conn: Conn, principal: Caller, product_id: PathId, listing_id: PathId
    ) -> Listing:
        product = await products.get(conn, product_id)
        before = next(
            (x for x in await listings.list_for_product(conn, product_id, approved_only=False)
             if x.id == listing_id),
            None,
        )  # fmt: skip
        approved = await listings.approve(conn, product_id, listing_id, principal.key_id)
        await record(
            conn, principal, "approve", "marketplace_listing", listing_id,
            cooperative_id=product.cooperative_id, before=before, after=approved,
        )  # fmt: skip
        return approved

    @delete("/{listing_id:int}", guards=[WRITERS], summary="Remove a marketplace listing")
    async def delete_listing(
        self, conn: Conn, principal: Caller, product_id: PathId, listing_id: PathId
    ) -> None:
        product = await owned_product(conn, principal, product_id)
        gone = await listings.delete(conn, product_id, listing_id)
        await record(
            conn, principal, "delete", "marketplace_listing", listing_id,
            cooperative_id=product.cooperative_id, before=gone,
        )  # fmt: skip
