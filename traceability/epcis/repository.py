"""EPCIS capture in the database: identifiers to lots, events kept once, timeline entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import asyncpg

from traceability.db.sql import queries_beside

if TYPE_CHECKING:
    from traceability.epcis.capture import Prepared

Q = queries_beside(__file__)


async def lots_by_class(
    conn: asyncpg.Connection, classes: Sequence[tuple[str, str]]
) -> list[asyncpg.Record]:
    if not classes:
        return []
    return list(
        await conn.fetch(Q["lots_by_class"], [g for g, _ in classes], [c for _, c in classes])
    )


async def lots_of_stamps(
    conn: asyncpg.Connection, stamps: Sequence[tuple[str, int]]
) -> list[asyncpg.Record]:
    if not stamps:
        return []
    return list(
        await conn.fetch(Q["lots_of_stamps"], [g for g, _ in stamps], [s for _, s in stamps])
    )


async def lots_of_cartons(conn: asyncpg.Connection, ssccs: Sequence[str]) -> list[asyncpg.Record]:
    return list(await conn.fetch(Q["lots_of_cartons"], list(ssccs))) if ssccs else []


async def lots_by_id(conn: asyncpg.Connection, ids: Sequence[int]) -> list[asyncpg.Record]:
    return list(await conn.fetch(Q["lots_by_id"], list(ids))) if ids else []


async def places_by_gln(conn: asyncpg.Connection, glns: Sequence[str]) -> dict[str, str]:
    if not glns:
        return {}
    return {r["gln"]: r["name"] for r in await conn.fetch(Q["places_by_gln"], list(glns))}


async def cooperative_place(conn: asyncpg.Connection, cooperative_id: int) -> tuple[str, str]:
    """The cooperative's name and its commune and province."""
    row = await conn.fetchrow(Q["cooperative_place"], cooperative_id)
    return row["name"], row["place"]


async def insert_capture(
    conn: asyncpg.Connection, cooperative_id: int | None, key_id: int | None, count: int
) -> tuple[int, datetime]:
    row = await conn.fetchrow(Q["insert_capture"], cooperative_id, key_id, count, 0)
    return row["id"], row["created_at"]


async def finish_capture(conn: asyncpg.Connection, capture_id: int, new: int) -> None:
    await conn.execute(Q["finish_capture"], capture_id, new)


async def insert_event(
    conn: asyncpg.Connection, event: Prepared, capture_id: int, cooperative_id: int | None
) -> int | None:
    """The new row's id, or None when an event with this hash is already kept."""
    new_id: int | None = await conn.fetchval(
        Q["insert_event"],
        event.hash,
        event.document["type"],
        event.time,
        event.document,
        capture_id,
        cooperative_id,
    )
    return new_id


async def insert_timeline_entry(
    conn: asyncpg.Connection,
    lot_id: int,
    event: Prepared,
    place: str,
    actor: str,
    key_id: int | None,
    epcis_event_id: int,
) -> None:
    await conn.execute(
        Q["insert_timeline_entry"],
        lot_id,
        event.kind,
        event.time,
        event.zone,
        place,
        actor,
        key_id,
        event.gln[0] if event.gln else None,
        epcis_event_id,
    )


async def get_capture(conn: asyncpg.Connection, capture_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(Q["get_capture"], capture_id)
    return row


async def lot_captured_events(conn: asyncpg.Connection, lot_id: int) -> dict[int, Any]:
    """Captured events on the lot's timeline, by timeline entry id, as they were sent."""
    return {
        r["lot_event_id"]: r["document"] for r in await conn.fetch(Q["lot_captured_events"], lot_id)
    }
