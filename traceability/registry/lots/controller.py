"""Lots and their timelines over HTTP: public to read; retailers record what they receive."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.deps import Caller, Conn
from traceability.inputs import PathId, QueryId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, keyset, page
from traceability.registry.lots import repository as lots
from traceability.registry.lots import service
from traceability.registry.lots.schemas import (
    Lot,
    LotCreate,
    LotEvent,
    LotEventCreate,
    LotPatch,
    LotSort,
)


class LotController(Controller):
    path = "/api/v1/lots"
    tags = ["registry: lots"]
    guards = [AUTHENTICATED]

    @post("/", guards=[WRITERS], summary="Register a harvest or production lot")
    async def create_lot(self, conn: Conn, principal: Caller, data: JSONBody[LotCreate]) -> Lot:
        return await service.create_lot(conn, principal, data)

    @get("/", summary="Lots, filtered and sorted")
    async def list_lots(
        self,
        conn: Conn,
        principal: Caller,
        product_id: QueryId = None,
        cooperative_id: QueryId = None,
        planting_area_id: QueryId = None,
        sort: FromQuery[LotSort] = "id",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[Lot]:
        keys = keyset(sort, "code", cursor, limit)
        rows = await lots.list_lots(
            conn,
            product_id=product_id,
            cooperative_id=cooperative_id,
            planting_area_id=planting_area_id,
            keys=keys,
        )
        return page(rows, keys, lambda lot: lot.code)

    @get("/{lot_id:int}", summary="One lot")
    async def get_lot(self, conn: Conn, principal: Caller, lot_id: PathId) -> Lot:
        return await lots.get(conn, lot_id)

    @patch(
        "/{lot_id:int}",
        guards=[WRITERS],
        summary="Update a lot (partial; code and product are fixed)",
    )
    async def update_lot(
        self, conn: Conn, principal: Caller, lot_id: PathId, data: JSONBody[LotPatch]
    ) -> Lot:
        return await service.update_lot(conn, principal, lot_id, data)

    @delete(
        "/{lot_id:int}", guards=[WRITERS], summary="Delete a lot that has no timeline or stamps yet"
    )
    async def delete_lot(self, conn: Conn, principal: Caller, lot_id: PathId) -> None:
        await service.delete_lot(conn, principal, lot_id)

    @get("/{lot_id:int}/events", summary="A lot's timeline, in the order things happened")
    async def list_events(self, conn: Conn, principal: Caller, lot_id: PathId) -> list[LotEvent]:
        return await service.timeline(conn, principal, lot_id)

    @post(
        "/{lot_id:int}/events",
        summary="Record a supply-chain event (retailers: receiving only)",
    )
    async def record_event(
        self, conn: Conn, principal: Caller, lot_id: PathId, data: JSONBody[LotEventCreate]
    ) -> LotEvent:
        return await service.record_event(conn, principal, lot_id, data)
