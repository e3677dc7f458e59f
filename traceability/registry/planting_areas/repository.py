"""Planting areas in the database."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from traceability.db.sql import queries_beside
from traceability.errors import Conflict, NotFound
from traceability.pagination import Keyset
from traceability.registry.planting_areas.schemas import PlantingArea, PlantingAreaCreate

Q = queries_beside(__file__)


def _values(data: PlantingAreaCreate) -> list[object]:
    # Through str: 0.1 ha stays 0.1, not 0.1000000000000000055511151231257827.
    area = Decimal(str(data.area_ha))
    return [data.code, data.name, data.crop, area, data.latitude, data.longitude, data.gln]


async def insert(
    conn: asyncpg.Connection, cooperative_id: int, data: PlantingAreaCreate
) -> PlantingArea:
    row = await conn.fetchrow(Q["insert_planting_area"], cooperative_id, *_values(data))
    return PlantingArea(**dict(row))


async def find(conn: asyncpg.Connection, area_id: int) -> PlantingArea | None:
    row = await conn.fetchrow(Q["get_planting_area"], area_id)
    return None if row is None else PlantingArea(**dict(row))


async def get(conn: asyncpg.Connection, area_id: int) -> PlantingArea:
    found = await find(conn, area_id)
    if found is None:
        raise NotFound(f"No planting area {area_id}.")
    return found


async def find_by_code(conn: asyncpg.Connection, code: str) -> PlantingArea | None:
    row = await conn.fetchrow(Q["find_by_code"], code)
    return None if row is None else PlantingArea(**dict(row))


async def update(conn: asyncpg.Connection, area_id: int, data: PlantingAreaCreate) -> PlantingArea:
    row = await conn.fetchrow(Q["update_planting_area"], area_id, *_values(data))
    if row is None:
        raise NotFound(f"No planting area {area_id}.")
    return PlantingArea(**dict(row))


async def delete(conn: asyncpg.Connection, area_id: int) -> None:
    try:
        await conn.execute(Q["delete_planting_area"], area_id)
    except asyncpg.ForeignKeyViolationError as exc:
        raise Conflict(
            "Lots were harvested from this planting area; it cannot be deleted."
        ) from exc


async def list_areas(
    conn: asyncpg.Connection, *, cooperative_id: int | None, crop: str | None, keys: Keyset
) -> list[PlantingArea]:
    rows = await conn.fetch(Q["list_planting_areas"], cooperative_id, crop, *keys.args())
    return [PlantingArea(**dict(r)) for r in rows]
