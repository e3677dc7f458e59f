"""Receiving and deliveries over HTTP: a chain checks and records what its stores receive;
the cooperatives whose goods a delivery holds, and the authority, read it."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from traceability.accounts.guards import AUTHENTICATED, requires_role
from traceability.deliveries import service
from traceability.deliveries.schemas import Delivery, DeliveryCreate, Receipt, ReceivingCheck
from traceability.deps import Caller, Conn
from traceability.inputs import PathId, QueryId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_id,
    page_of,
)
from traceability.verification.service import Verifier

RETAILER = requires_role("retailer")


class DeliveryController(Controller):
    path = "/api/v1/deliveries"
    tags = ["retail: receiving and deliveries"]
    guards = [AUTHENTICATED]

    @post(
        "/check",
        status_code=200,
        guards=[RETAILER],
        summary="Check a delivery's stamps at the dock (nothing is recorded)",
        description=(
            "The codes as a barcode scanner typed them: blank lines are skipped, a stamp "
            "scanned twice (or as its URL and its code) counts once. The answer counts each "
            "stamp under one outcome (`by_status`, as bulk verify) with a line per stamp. "
            "A check is never a consumer scan."
        ),
    )
    async def check_delivery(
        self, conn: Conn, verifier: Verifier, data: JSONBody[ReceivingCheck]
    ) -> Receipt:
        return await service.receive(conn, verifier, data.codes)

    @post(
        "/",
        guards=[RETAILER],
        summary="Record a delivery a store of one's chain received",
        description=(
            "Private to the chain, the authority and the cooperatives whose goods it holds. "
            "The stamps' outcomes at the dock are kept with it."
        ),
    )
    async def record_delivery(
        self, conn: Conn, verifier: Verifier, principal: Caller, data: JSONBody[DeliveryCreate]
    ) -> Delivery:
        return await service.record_delivery(conn, verifier, principal, data)

    @get("/", summary="Deliveries one may see, newest first (filter by lot or store)")
    async def list_deliveries(
        self,
        conn: Conn,
        principal: Caller,
        lot_id: QueryId = None,
        store_id: QueryId = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[Delivery]:
        found = await service.list_deliveries(
            conn,
            principal,
            lot_id=lot_id,
            store_id=store_id,
            before=after_id(cursor),
            limit=limit,
        )
        return page_of(found, limit, lambda d: d.id)

    @get("/{delivery_id:int}", summary="A delivery with its lots")
    async def get_delivery(self, conn: Conn, principal: Caller, delivery_id: PathId) -> Delivery:
        return await service.visible(conn, principal, delivery_id)
