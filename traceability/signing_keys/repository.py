"""What the database knows of the signing keys: the orders each signed."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside

Q = queries_beside(__file__)


async def key_usage(conn: asyncpg.Connection) -> dict[str, asyncpg.Record]:
    """Orders, stamps and first/last order time per key id (keys that signed nothing absent)."""
    return {row["key_id"]: row for row in await conn.fetch(Q["key_usage"])}
