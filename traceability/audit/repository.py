"""Writing and reading the audit log. Every write in the service calls ``record``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import msgspec

from traceability.accounts.repository import Principal
from traceability.db.sql import queries_beside

Q = queries_beside(__file__)


class AuditEntry(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    actor_key_id: int | None
    actor_role: str
    action: str
    entity: str
    entity_id: str
    cooperative_id: int | None
    before: Any
    after: Any
    actor_user_id: int | None = None


async def record(
    conn: asyncpg.Connection,
    actor: Principal,
    action: str,
    entity: str,
    entity_id: object,
    *,
    cooperative_id: int | None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry in the caller's transaction: a write and its record stand or fall as one."""
    await conn.execute(
        Q["insert_entry"],
        actor.key_id,
        actor.role,
        action,
        entity,
        str(entity_id),
        cooperative_id,
        msgspec.to_builtins(before) if before is not None else None,
        msgspec.to_builtins(after) if after is not None else None,
        actor.user_id,
    )


async def list_entries(
    conn: asyncpg.Connection,
    *,
    cooperative_id: int | None,
    entity: str | None,
    entity_id: str | None,
    before_id: int | None,
    limit: int,
) -> list[AuditEntry]:
    rows = await conn.fetch(Q["list_entries"], cooperative_id, entity, entity_id, before_id, limit)
    return [AuditEntry(**dict(r)) for r in rows]
