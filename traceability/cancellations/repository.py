"""Cancellation requests in PostgreSQL."""

from __future__ import annotations

import asyncpg

from traceability.cancellations.schemas import CancellationRequest
from traceability.db.sql import queries_beside

Q = queries_beside(__file__)


async def insert_request(
    conn: asyncpg.Connection,
    batch_id: int,
    reason: str,
    user_id: int | None,
    key_id: int | None,
) -> int:
    request_id: int = await conn.fetchval(Q["insert_request"], batch_id, reason, user_id, key_id)
    return request_id


async def open_request_for_update(conn: asyncpg.Connection, batch_id: int) -> int | None:
    request_id: int | None = await conn.fetchval(Q["open_request_for_update"], batch_id)
    return request_id


async def close_request(
    conn: asyncpg.Connection,
    request_id: int,
    status: str,
    user_id: int | None,
    key_id: int | None,
    reason: str | None,
) -> bool:
    done: str = await conn.execute(Q["close_request"], request_id, status, user_id, key_id, reason)
    return done == "UPDATE 1"


async def cancel_downloaded_batch(conn: asyncpg.Connection, batch_id: int, reason: str) -> None:
    await conn.execute(Q["cancel_downloaded_batch"], batch_id, reason)


async def requests(
    conn: asyncpg.Connection,
    *,
    batch_id: int | None = None,
    cooperative_id: int | None = None,
    status: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[CancellationRequest]:
    rows = await conn.fetch(Q["requests"], batch_id, cooperative_id, status, before, limit)
    return [CancellationRequest(**dict(r)) for r in rows]


async def open_count(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval(Q["open_count"])
    return count
