"""Reading what the offline kit publishes: revocations, batches and activations."""

from __future__ import annotations

from typing import Any

import asyncpg

from traceability.db.sql import queries_beside

Q = queries_beside(__file__)


async def revoked_ranges(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    return [dict(row) for row in await conn.fetch(Q["revoked_ranges"])]


async def manifest_rows(
    conn: asyncpg.Connection, cooperative_id: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    batches = await conn.fetch(Q["manifest_batches"], cooperative_id)
    activations = await conn.fetch(Q["manifest_activations"], cooperative_id)
    return [dict(row) for row in batches], [dict(row) for row in activations]


async def recall_rows(
    conn: asyncpg.Connection,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The recalls, the batches holding their lots' stamps, and those batches' lot namings."""
    recalls = [dict(row) for row in await conn.fetch(Q["recalls"])]
    if not recalls:
        return [], [], []
    batches = [dict(row) for row in await conn.fetch(Q["recall_batches"])]
    ids = [b["batch_id"] for b in batches]
    namings = [dict(row) for row in await conn.fetch(Q["recall_activations"], ids)]
    return recalls, batches, namings
