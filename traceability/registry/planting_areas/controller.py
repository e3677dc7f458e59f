"""Planting areas over HTTP: private to their cooperative and the authority."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import WRITERS
from traceability.deps import Caller, Conn
from traceability.inputs import PathId, QueryId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, keyset, page
from traceability.registry.access import check_acting_for
from traceability.registry.planting_areas import repository as areas
from traceability.registry.planting_areas import service
from traceability.registry.planting_areas.schemas import (
    PlantingArea,
    PlantingAreaCreate,
    PlantingAreaPatch,
    PlantingAreaSort,
)


class PlantingAreaController(Controller):
    path = "/api/v1/planting-areas"
    tags = ["registry: planting areas"]
    guards = [WRITERS]

    @post("/", summary="Register a planting area")
    async def create_planting_area(
        self, conn: Conn, principal: Caller, data: JSONBody[PlantingAreaCreate]
    ) -> PlantingArea:
        return await service.create_area(conn, principal, data)

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
        return await service.owned_area(conn, principal, area_id)

    @patch("/{area_id:int}", summary="Update a planting area (partial)")
    async def update_planting_area(
        self,
        conn: Conn,
        principal: Caller,
        area_id: PathId,
        data: JSONBody[PlantingAreaPatch],
    ) -> PlantingArea:
        return await service.update_area(conn, principal, area_id, data)

    @delete("/{area_id:int}", summary="Delete a planting area no lot comes from")
    async def delete_planting_area(self, conn: Conn, principal: Caller, area_id: PathId) -> None:
        # The controller's guard refuses retailers first: they learn nothing, not even
        # whether the id exists.
        await service.delete_area(conn, principal, area_id)
