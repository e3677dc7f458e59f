"""Recalling a lot: the lot's own cooperative or the authority, once, on the record."""

from __future__ import annotations

import asyncpg

from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.errors import Conflict, NotFound
from traceability.recalls import repository as recalls
from traceability.recalls.schemas import LotRecall, RecallCreate
from traceability.registry.access import check_owner
from traceability.registry.lots import repository as lots


async def recall_lot(
    conn: asyncpg.Connection, principal: Principal, lot_id: int, data: RecallCreate
) -> LotRecall:
    """Recall the lot (audited); 404 for another cooperative's lot, 409 if already recalled."""
    lot = await lots.get(conn, lot_id)
    check_owner(principal, lot.cooperative_id, f"No lot {lot_id}.")
    recall = await recalls.insert(conn, lot_id, data.reason, principal.key_id, principal.role)
    if recall is None:
        raise Conflict(f"Lot {lot_id} is already recalled.")
    await record(
        conn, principal, "recall", "lot", lot_id,
        cooperative_id=lot.cooperative_id, after=recall,
    )  # fmt: skip
    return recall


async def lot_recall(conn: asyncpg.Connection, lot_id: int) -> LotRecall:
    """The lot's recall; 404 if the lot is not recalled (or does not exist)."""
    await lots.get(conn, lot_id)
    recall = await recalls.get(conn, lot_id)
    if recall is None:
        raise NotFound(f"Lot {lot_id} is not recalled.")
    return recall
