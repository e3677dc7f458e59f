"""Marketplace listings over HTTP, nested under their product."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody

from traceability.accounts.guards import AUTHENTICATED, AUTHORITY, WRITERS
from traceability.deps import READS_FROM_REPLICA, Caller, Conn
from traceability.inputs import PathId
from traceability.registry.listings import service
from traceability.registry.listings.schemas import Listing, ListingCreate


class ListingController(Controller):
    path = "/api/v1/products/{product_id:int}/listings"
    tags = ["registry: products"]
    guards = [AUTHENTICATED]

    @get("/", summary="Where to buy a product online", dependencies=READS_FROM_REPLICA)
    async def list_listings(
        self, conn: Conn, principal: Caller, product_id: PathId
    ) -> list[Listing]:
        return await service.listings_of(conn, principal, product_id)

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
        return await service.add_listing(conn, principal, product_id, data)

    @post(
        "/{listing_id:int}/approval",
        guards=[AUTHORITY],
        status_code=200,
        summary="Approve an own_shop or other listing, so scan pages may lead there (authority)",
    )
    async def approve_listing(
        self, conn: Conn, principal: Caller, product_id: PathId, listing_id: PathId
    ) -> Listing:
        return await service.approve_listing(conn, principal, product_id, listing_id)

    @delete("/{listing_id:int}", guards=[WRITERS], summary="Remove a marketplace listing")
    async def delete_listing(
        self, conn: Conn, principal: Caller, product_id: PathId, listing_id: PathId
    ) -> None:
        await service.delete_listing(conn, principal, product_id, listing_id)
