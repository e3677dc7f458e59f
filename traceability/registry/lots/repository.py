"""Lots and their events in the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from traceability.db.sql import queries_beside
from traceability.errors import Conflict, NotFound
from traceability.pagination import Keyset
from traceability.registry.lots.schemas import Lot, LotCreate, LotEvent, LotEventCreate

Q = queries_beside(__file__)


async def insert(conn: asyncpg.Connection, data: LotCreate) -> Lot:
    row = await conn.fetchrow(
        Q["insert_lot"],
        data.product_id,
        data.code,
        data.harvested_on,
        Decimal(str(data.quantity)),
        data.unit,
        data.planting_area_id,
        data.expires_on,
    )
    return Lot(**dict(row))


async def find(conn: asyncpg.Connection, lot_id: int) -> Lot | None:
    row = await conn.fetchrow(Q["get_lot"], lot_id)
    return None if row is None else Lot(**dict(row))


async def get(conn: asyncpg.Connection, lot_id: int) -> Lot:
    found = await find(conn, lot_id)
    if found is None:
        raise NotFound(f"No lot {lot_id}.")
    return found


async def find_by_code(conn: asyncpg.Connection, product_id: int, code: str) -> Lot | None:
    row = await conn.fetchrow(Q["find_by_code"], product_id, code)
    return None if row is None else Lot(**dict(row))


async def update(conn: asyncpg.Connection, lot_id: int, data: LotCreate) -> Lot:
    row = await conn.fetchrow(
        Q["update_lot"],
        lot_id,
        data.harvested_on,
        Decimal(str(data.quantity)),
        data.unit,
        data.planting_area_id,
        data.expires_on,
    )
    if row is None:
        raise NotFound(f"No lot {lot_id}.")
    return Lot(**dict(row))


async def delete(conn: asyncpg.Connection, lot_id: int) -> None:
    try:
        await conn.execute(Q["delete_lot"], lot_id)
    except asyncpg.ForeignKeyViolationError as exc:
        raise Conflict("This lot has a timeline or stamps; it cannot be deleted.") from exc


async def list_lots(
    conn: asyncpg.Connection,
    *,
    product_id: int | None,
    cooperative_id: int | None,
    planting_area_id: int | None,
    keys: Keyset,
) -> list[Lot]:
    rows = await conn.fetch(
        Q["list_lots"], product_id, cooperative_id, planting_area_id, *keys.args()
    )
    return [Lot(**dict(r)) for r in rows]


async def insert_event(
    conn: asyncpg.Connection,
    lot_id: int,
    data: LotEventCreate,
    recorded_by: int | None,
    public: bool = True,
) -> LotEvent:
    row = await conn.fetchrow(
        Q["insert_event"],
        lot_id,
        data.kind,
        data.occurred_at,
        data.time_zone,
        data.place,
        data.actor,
        data.notes,
        recorded_by,
        data.place_gln,
        public,
    )
    return _event(row)


async def timeline(
    conn: asyncpg.Connection, lot_id: int, *, everything: bool = False, key_id: int | None = None
) -> list[LotEvent]:
    """A lot's events in the order they happened (ties in the order they were recorded).

    The public timeline by default (what consumers see); ``everything`` adds the private
    records (a retailer's receiving), ``key_id`` those recorded by that key.
    """
    rows = await conn.fetch(Q["timeline"], lot_id, everything, key_id)
    return [_event(r) for r in rows]


def _event(row: Any) -> LotEvent:
    values = dict(row)
    local = values["occurred_at"].astimezone(ZoneInfo(values["time_zone"]))
    return LotEvent(**values, local_time=local)


class LotLine(msgspec.Struct, frozen=True):
    """A lot in a cooperative's list: the lot, its product's name, how many events."""

    lot: Lot
    product_name: str
    events: int


async def search(
    conn: asyncpg.Connection, cooperative_id: int, text: str, limit: int
) -> list[LotLine]:
    """The cooperative's lots whose code or product name holds ``text``, newest first."""
    rows = await conn.fetch(Q["search_lots"], cooperative_id, text, limit)
    lines = []
    for r in rows:
        values = dict(r)
        name, events = values.pop("product_name"), values.pop("events")
        lines.append(LotLine(Lot(**values), name, events))
    return lines
