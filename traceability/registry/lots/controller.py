"""Lots and their timelines over HTTP: public to read; retailers record what they receive."""

from __future__ import annotations

import asyncpg
from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability import clock
from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.deps import Caller, Conn
from traceability.inputs import PathId, QueryId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, keyset, page
from traceability.registry.access import (
    check_owner,
    check_same_cooperative,
    event_is_public,
    may_manage,
)
from traceability.registry.lots import repository as lots
from traceability.registry.lots.schemas import (
    Lot,
    LotCreate,
    LotEvent,
    LotEventCreate,
    LotPatch,
    LotSort,
    check_within_lot_life,
)
from traceability.registry.planting_areas import repository as areas
from traceability.registry.products.controller import owned_product
from traceability.registry.types import apply_patch


class LotController(Controller):
    path = "/api/v1/lots"
    tags = ["registry: lots"]
    guards = [AUTHENTICATED]

    @post("/", guards=[WRITERS], summary="Register a harvest or production lot")
    async def create_lot(self, conn: Conn, principal: Caller, data: JSONBody[LotCreate]) -> Lot:
        product = await owned_product(conn, principal, data.product_id)
        await _check_planting_area(conn, principal, data.planting_area_id, product.cooperative_id)
        created = await lots.insert(conn, data)
        await record(
            conn, principal, "create", "lot", created.id,
            cooperative_id=created.cooperative_id, after=created,
        )  # fmt: skip
        return created

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
        before = await _owned_lot(conn, principal, lot_id)
        merged = apply_patch(before, data, LotCreate)
        await _check_planting_area(conn, principal, merged.planting_area_id, before.cooperative_id)
        after = await lots.update(conn, lot_id, merged)
        await record(
            conn, principal, "update", "lot", lot_id,
            cooperative_id=before.cooperative_id, before=before, after=after,
        )  # fmt: skip
        return after

    @delete(
        "/{lot_id:int}", guards=[WRITERS], summary="Delete a lot that has no timeline or stamps yet"
    )
    async def delete_lot(self, conn: Conn, principal: Caller, lot_id: PathId) -> None:
        before = await _owned_lot(conn, principal, lot_id)
        await lots.delete(conn, lot_id)
        await record(
            conn, principal, "delete", "lot", lot_id,
            cooperative_id=before.cooperative_id, before=before,
        )  # fmt: skip

    @get("/{lot_id:int}/events", summary="A lot's timeline, in the order things happened")
    async def list_events(self, conn: Conn, principal: Caller, lot_id: PathId) -> list[LotEvent]:
        lot = await lots.get(conn, lot_id)
        return await lots.timeline(
            conn,
            lot_id,
            everything=may_manage(principal, lot.cooperative_id),
            key_id=principal.key_id,
        )

    @post(
        "/{lot_id:int}/events",
        summary="Record a supply-chain event (retailers: receiving only)",
    )
    async def record_event(
        self, conn: Conn, principal: Caller, lot_id: PathId, data: JSONBody[LotEventCreate]
    ) -> LotEvent:
        lot = await lots.get(conn, lot_id)
        public = event_is_public(principal, lot.cooperative_id, data.kind, f"No lot {lot_id}.")
        check_within_lot_life(data.occurred_at, lot.harvested_on, clock.now())
        created = await lots.insert_event(conn, lot_id, data, principal.key_id, public)
        await record(
            conn, principal, "create", "lot_event", created.id,
            cooperative_id=lot.cooperative_id, after=created,
        )  # fmt: skip
        return created


async def _owned_lot(conn: asyncpg.Connection, principal: Principal, lot_id: int) -> Lot:
    found = await lots.get(conn, lot_id)
    check_owner(principal, found.cooperative_id, f"No lot {lot_id}.")
    return found


async def _check_planting_area(
    conn: asyncpg.Connection, principal: Principal, area_id: int | None, cooperative_id: int
) -> None:
    """A lot comes from a planting area of its product's own cooperative."""
    if area_id is None:
        return
    area = await areas.find(conn, area_id)
    check_same_cooperative(
        principal, area_id, area.cooperative_id if area else None, cooperative_id
    )
