"""Scratch PINs and marketplace click-throughs: the scan page's writes besides scans."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from stamps import check_pin
from traceability.db.sql import queries_beside
from traceability.scanning.schemas import PinAnswer

Q = queries_beside(__file__)


async def try_pin(
    conn: asyncpg.Connection,
    *,
    secret: bytes,
    serial: int,
    batch_id: int,
    entered: str,
    client_hash: str | None,
    max_per_stamp: int,
    max_per_client: int,
    window: timedelta,
) -> PinAnswer:
    """Check a scratched PIN, counting wrong ones per stamp and per client (in constant time)."""
    if client_hash is not None and await conn.fetchval(
        Q["client_locked"], client_hash, max_per_client, window
    ):
        return PinAnswer("locked")
    await conn.execute(Q["ensure_stamp"], serial, batch_id)
    row = await conn.fetchrow(Q["lock_stamp_pin"], serial, max_per_stamp, window)
    if row["locked"]:
        return PinAnswer("locked")
    if check_pin(secret, serial, entered):
        if row["pin_verified_at"] is not None:
            return PinAnswer("already_verified", verified_at=row["pin_verified_at"])
        return PinAnswer("verified", verified_at=await conn.fetchval(Q["pin_verified"], serial))
    left = max_per_stamp - await conn.fetchval(Q["stamp_pin_failed"], serial, window)
    if client_hash is not None:
        client_failures = await conn.fetchval(Q["client_pin_failed"], client_hash, window)
        left = min(left, max_per_client - client_failures)
    if left <= 0:
        return PinAnswer("locked")
    return PinAnswer("wrong", attempts_left=left)


async def listing_target(conn: asyncpg.Connection, listing_id: int, product_id: int) -> str | None:
    url: str | None = await conn.fetchval(Q["listing_target"], listing_id, product_id)
    return url


async def count_click(conn: asyncpg.Connection, listing_id: int) -> None:
    await conn.execute(Q["count_click"], listing_id)
