"""Planting areas over HTTP: private to their cooperative and the authority."""

from __future__ import annotations

import asyncpg
from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import WRITERS
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.deps import Caller, Conn
from traceability.inputs import PathId, QueryId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, keyset, page
from traceability.registry.access import acting_cooperative, check_acting_for, check_owner
from traceability.registry.planting_areas import repository as areas
from traceability.registry.planting_areas.schemas import (
    PlantingArea,
    PlantingAreaCreate,
    PlantingAreaPatch,
    PlantingAreaSort,
)
from traceability.registry.types import apply_patch


class PlantingAreaController(Controller):
    path = "/api/v1/planting-areas"
    tags = ["registry: planting areas"]
    guards = [WRITERS]

    @post("/", summary="Register a planting area")
    async def create_planting_area(
        self, conn: Conn, principal: Caller, data: JSONBody[PlantingAreaCreate]
    ) -> PlantingArea:
        cooperative_id = acting_cooperative(principal, data.cooperative_id)
        created = await areas.insert(conn, cooperative_id, data)
        await record(
            conn, principal, "create", "planting_area", created.id,
            cooperative_id=cooperative_id, after=created,
        )  # fmt: skip
        return created

    @get("/", summary="Planting areas (a cooperative key sees its own)")
    async def list_planting_areas(
        self,
        conn: Conn,
        principal: Caller,
        cooperative_id: QueryId = None,
        crop: FromQuery[str | None] = None,
        sort: FromQuery[PlantingAreaSort] = "id",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[PlantingArea]:
        if cooperative_id is not None:
            check_acting_for(principal, cooperative_id)
        keys = keyset(sort, "code", cursor, limit)
        rows = await areas.list_areas(
            conn,
            cooperative_id=principal.visible_cooperative() or cooperative_id,
            crop=crop,
            keys=keys,
        )
        return page(rows, keys, lambda a: a.code)

    @get("/{area_id:int}", summary="One planting area")
    async def get_planting_area(
        self, conn: Conn, principal: Caller, area_id: PathId
    ) -> PlantingArea:
        return await _owned(conn, principal, area_id)

    @patch("/{area_id:int}", summary="Update a planting area (partial)")
    async def update_planting_area(
        self,
        conn: Conn,
        principal: Caller,
        area_id: PathId,
        data: JSONBody[PlantingAreaPatch],
    ) -> PlantingArea:
        before = await _owned(conn, principal, area_id)
        after = await areas.update(conn, area_id, apply_patch(before, data, PlantingAreaCreate))
        await record(
            conn, principal, "update", "planting_area", area_id,
            cooperative_id=before.cooperative_id, before=before, after=after,
        )  # fmt: skip
        return after

    @delete("/{area_id:int}", summary="Delete a planting area no lot comes from")
    async def delete_planting_area(self, conn: Conn, principal: Caller, area_id: PathId) -> None:
        before = await _owned(conn, principal, area_id)
        await areas.delete(conn, area_id)
        await record(
            conn, principal, "delete", "planting_area", area_id,
            cooperative_id=before.cooperative_id, before=before,
        )  # fmt: skip


async def _owned(conn: asyncpg.Connection, principal: Principal, area_id: int) -> PlantingArea:
    missing = f"No planting area {area_id}."
    # The controller's guard refuses retailers first: they learn nothing, not even whether
    # the id exists.
    found = await areas.get(conn, area_id)
    check_owner(principal, found.cooperative_id, missing)
    return found
