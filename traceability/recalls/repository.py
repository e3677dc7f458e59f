"""Lot recalls in the database."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.recalls.schemas import LotRecall

Q = queries_beside(__file__)


async def insert(
    conn: asyncpg.Connection, lot_id: int, reason: str, by: int | None, role: str
) -> LotRecall | None:
    """The new recall, or None if the lot was already recalled."""
    row = await conn.fetchrow(Q["insert_recall"], lot_id, reason, by, role)
    return LotRecall(**dict(row)) if row is not None else None


async def get(conn: asyncpg.Connection, lot_id: int) -> LotRecall | None:
    row = await conn.fetchrow(Q["get_recall"], lot_id)
    return LotRecall(**dict(row)) if row is not None else None
