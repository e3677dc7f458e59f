"""Cartons and their contents in the database."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from traceability.db.sql import queries_beside
from traceability.packing.schemas import Carton, CartonContent

Q = queries_beside(__file__)


async def range_batch(conn: asyncpg.Connection, first: int, last: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(Q["range_batch"], first, last)
    return row


async def range_lots(
    conn: asyncpg.Connection, batch_id: int, first: int, last: int
) -> list[tuple[int, int]]:
    """(lot, stamps of the range activated on it) for each lot the range was activated on."""
    rows = await conn.fetch(Q["range_lots"], batch_id, first, last)
    return [(r["lot_id"], r["covered"]) for r in rows]


async def lot_harvest(conn: asyncpg.Connection, lot_id: int) -> date:
    harvested: date = await conn.fetchval(Q["lot_harvest"], lot_id)
    return harvested


async def insert(
    conn: asyncpg.Connection,
    cooperative_id: int,
    sscc: str,
    packed_at: datetime,
    place_gln: str | None,
    key_id: int | None,
    contents: list[tuple[int, int, int, int]],
) -> int:
    """The new carton's id; ``contents`` as (batch, lot, first serial, last serial)."""
    carton_id: int = await conn.fetchval(
        Q["insert_carton"], cooperative_id, sscc, packed_at, place_gln, key_id
    )
    await conn.executemany(Q["insert_content"], [(carton_id, *content) for content in contents])
    return carton_id


async def find(conn: asyncpg.Connection, carton_id: int) -> Carton | None:
    row = await conn.fetchrow(Q["get_carton"], carton_id)
    if row is None:
        return None
    contents = [CartonContent(**dict(r)) for r in await conn.fetch(Q["contents"], carton_id)]
    return Carton(**dict(row), count=sum(c.count for c in contents), contents=contents)


async def find_by_sscc(conn: asyncpg.Connection, sscc: str) -> Carton | None:
    carton_id = await conn.fetchval(Q["carton_by_sscc"], sscc)
    return None if carton_id is None else await find(conn, carton_id)


async def unpack(conn: asyncpg.Connection, carton_id: int, at: datetime) -> bool:
    """False when the carton was already unpacked."""
    if await conn.fetchval(Q["unpack"], carton_id, at) is None:
        return False
    await conn.execute(Q["unpack_contents"], carton_id)
    return True


async def lot_cartons(conn: asyncpg.Connection, lot_id: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(Q["lot_cartons"], lot_id))
