"""Cases in PostgreSQL: the queue and each case's history."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from traceability.cases.schemas import CaseEvent, CaseLine, CaseStatus
from traceability.db.sql import queries_beside

Q = queries_beside(__file__)


async def queue(
    conn: asyncpg.Connection,
    *,
    status: CaseStatus | None,
    cooperative_id: int | None,
    product_id: int | None,
    rule: str | None,
    span: tuple[datetime | None, datetime | None],
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[CaseLine]:
    rows = await conn.fetch(
        Q["queue"],
        status,
        cooperative_id,
        product_id,
        rule,
        span[0],
        span[1],
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [CaseLine(**dict(r)) for r in rows]


async def open_count(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval(Q["open_count"])
    return count


async def names(conn: asyncpg.Connection, batch_id: int) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(Q["names"], batch_id)
    return row


async def revocation(conn: asyncpg.Connection, serial: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(Q["revocation"], serial)
    return row


async def events(conn: asyncpg.Connection, serial: int) -> list[CaseEvent]:
    return [CaseEvent(**dict(r)) for r in await conn.fetch(Q["events"], serial)]


async def insert_event(
    conn: asyncpg.Connection,
    serial: int,
    kind: str,
    body: str,
    *,
    revocation_id: int | None = None,
    user_id: int | None,
    key_id: int | None,
) -> int:
    event_id: int = await conn.fetchval(
        Q["insert_event"], serial, kind, body, revocation_id, user_id, key_id
    )
    return event_id


async def lock_stamp(conn: asyncpg.Connection, serial: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(Q["lock_stamp"], serial)
    return row
