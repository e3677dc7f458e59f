"""The rules for planting areas, shared by ``/api/v1/planting-areas`` and the portal's pages."""

from __future__ import annotations

import asyncpg

from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.registry.access import acting_cooperative, check_owner
from traceability.registry.planting_areas import repository as areas
from traceability.registry.planting_areas.schemas import (
    PlantingArea,
    PlantingAreaCreate,
    PlantingAreaPatch,
)
from traceability.registry.types import apply_patch


async def create_area(
    conn: asyncpg.Connection, principal: Principal, data: PlantingAreaCreate
) -> PlantingArea:
    cooperative_id = acting_cooperative(principal, data.cooperative_id)
    created = await areas.insert(conn, cooperative_id, data)
    await record(
        conn, principal, "create", "planting_area", created.id,
        cooperative_id=cooperative_id, after=created,
    )  # fmt: skip
    return created


async def owned_area(conn: asyncpg.Connection, principal: Principal, area_id: int) -> PlantingArea:
    """The area, if ``principal`` may see and change it (another's is not found)."""
    found = await areas.get(conn, area_id)
    check_owner(principal, found.cooperative_id, f"No planting area {area_id}.")
    return found


async def update_area(
    conn: asyncpg.Connection, principal: Principal, area_id: int, data: PlantingAreaPatch
) -> PlantingArea:
    before = await owned_area(conn, principal, area_id)
    after = await areas.update(conn, area_id, apply_patch(before, data, PlantingAreaCreate))
    await record(
        conn, principal, "update", "planting_area", area_id,
        cooperative_id=before.cooperative_id, before=before, after=after,
    )  # fmt: skip
    return after


async def delete_area(conn: asyncpg.Connection, principal: Principal, area_id: int) -> None:
    before = await owned_area(conn, principal, area_id)
    await areas.delete(conn, area_id)
    await record(
        conn, principal, "delete", "planting_area", area_id,
        cooperative_id=before.cooperative_id, before=before,
    )  # fmt: skip
