"""GET /api/v1/audit: the authority sees everything, a cooperative its own records."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromQuery

from traceability.accounts.guards import WRITERS
from traceability.audit.repository import AuditEntry, list_entries
from traceability.deps import Caller, Conn
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_id,
    page_of,
)


class AuditController(Controller):
    path = "/api/v1/audit"
    tags = ["audit"]
    guards = [WRITERS]

    @get("/", summary="The audit log, newest first")
    async def list_audit(
        self,
        conn: Conn,
        principal: Caller,
        entity: FromQuery[str | None] = None,
        entity_id: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[AuditEntry]:
        entries = await list_entries(
            conn,
            cooperative_id=principal.visible_cooperative(),
            entity=entity,
            entity_id=entity_id,
            before_id=after_id(cursor),
            limit=limit,
        )
        return page_of(entries, limit, lambda entry: entry.id)
