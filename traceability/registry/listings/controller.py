"""Marketplace listings over HTTP, nested under their product."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.deps import READS_FROM_REPLICA, Caller, Conn
from traceability.registry.listings import repository as listings
from traceability.registry.listings import service
from traceability.registry.listings.schemas import Listing, ListingCreate
from traceability.registry.products import repository as products


class ListingController(Controller):
    path = "/api/v1/products/{product_id:int}/listings"
    tags = ["registry: products"]
    guards = [AUTHENTICATED]

    @get("/", summary="Where to buy a product online", dependencies=READS_FROM_REPLICA)
    async def list_listings(
        self, conn: Conn, principal: Caller, product_id: FromPath[int]
    ) -> list[Listing]:
        await products.get(conn, product_id)
        return await listings.list_for_product(conn, product_id)

    @post(
        "/", guards=[WRITERS], summary="Add a marketplace listing (Voso, Postmart, Sendo, Shopee…)"
    )
    async def add_listing(
        self,
        conn: Conn,
        principal: Caller,
        product_id: FromPath[int],
        data: JSONBody[ListingCreate],
    ) -> Listing:
        return await service.add_listing(conn, principal, product_id, data)

    @delete("/{listing_id:int}", guards=[WRITERS], summary="Remove a marketplace listing")
    async def delete_listing(
        self, conn: Conn, principal: Caller, product_id: FromPath[int], listing_id: FromPath[int]
    ) -> None:
        await service.delete_listing(conn, principal, product_id, listing_id)
