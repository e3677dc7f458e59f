"""Suspicious stamps as cases: the queue, one case with its evidence, and clearing a mark.

The authority's portal will show the same cases through the same functions; the API here
is their first face.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec
from litestar import Controller, get, post
from litestar.params import JSONBody

from traceability.accounts.guards import AUTHORITY, WRITERS
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.db.sql import queries_beside
from traceability.deps import Caller, Conn
from traceability.errors import Conflict, InvalidInput, NotFound
from traceability.inputs import PathId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_time_and_id,
    page_of,
)
from traceability.scanning.clone import Evidence, from_unix
from traceability.scanning.schemas import (
    CaseScan,
    CaseWitness,
    Clearance,
    SuspicionCase,
    SuspiciousStamp,
)

Q = queries_beside(__file__)
RECENT_SCANS = 50


async def list_suspicious(
    conn: asyncpg.Connection,
    cooperative_id: int | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[SuspiciousStamp]:
    rows = await conn.fetch(
        Q["list_suspicious"],
        cooperative_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [SuspiciousStamp(**dict(r)) for r in rows]


async def suspicion_case(
    conn: asyncpg.Connection, serial: int, cooperative_id: int | None
) -> SuspicionCase:
    """A stamp's case: the rule that fired (or the evidence so far) and its latest scans."""
    row = await conn.fetchrow(Q["suspicion_case"], serial)
    if row is None or (cooperative_id is not None and row["cooperative_id"] != cooperative_id):
        raise NotFound(f"No scanned stamp {serial}.")
    values: dict[str, Any] = dict(row)
    evidence = msgspec.convert(values.pop("evidence") or {}, Evidence)
    numbers = {n: i for i, n in enumerate(evidence.networks, start=1)}
    scans = await conn.fetch(Q["recent_scans"], serial, RECENT_SCANS)
    return SuspicionCase(
        **values,
        sessions=evidence.sessions,
        networks=len(evidence.networks),
        countries=sorted({w.c for w in evidence.witnesses if w.c}),
        witnesses=[
            CaseWitness(
                first_scan_at=from_unix(w.t),
                network=numbers.get(w.n) if w.n is not None else None,
                country=w.c,
                latitude=w.la,
                longitude=w.lo,
                located_at=from_unix(w.lt) if w.lt is not None else None,
            )
            for w in evidence.witnesses
        ],
        recent_scans=[CaseScan(**dict(s)) for s in scans],
    )


async def clear_suspicion(
    conn: asyncpg.Connection, actor: Principal, serial: int, clearance: Clearance, now: datetime
) -> SuspicionCase:
    """The authority clears a suspicious mark with a reason; the audit log keeps the case."""
    reason = clearance.reason.strip()
    if len(reason) < 3:
        raise InvalidInput("Say why the mark is cleared (at least 3 characters).")
    before = await suspicion_case(conn, serial, None)
    if before.suspicious_at is None:
        raise Conflict(f"Stamp {serial} is not marked suspicious.")
    if await conn.fetchval(Q["clear_suspicion"], serial, now, reason) is None:
        raise Conflict(f"Stamp {serial} is not marked suspicious.")
    await record(
        conn,
        actor,
        "clear_suspicion",
        "stamp",
        serial,
        cooperative_id=before.cooperative_id,
        before={
            "suspicious_at": before.suspicious_at,
            "rule": before.rule,
            "reason": before.suspicious_reason,
            "sessions": before.sessions,
            "networks": before.networks,
            "countries": before.countries,
            "witnesses": before.witnesses,
        },
        after={"cleared_at": now, "cleared_reason": reason},
    )
    return await suspicion_case(conn, serial, None)


class SuspicionController(Controller):
    path = "/api/v1/stamps/suspicious"
    tags = ["stamps"]
    guards = [WRITERS]

    @get("/", summary="Stamps whose scans look like copies, newest first")
    async def list_suspicious_stamps(
        self,
        conn: Conn,
        principal: Caller,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[SuspiciousStamp]:
        found = await list_suspicious(
            conn, principal.visible_cooperative(), after_time_and_id(cursor), limit
        )
        return page_of(found, limit, lambda s: [s.suspicious_at.isoformat(), s.serial])

    @get("/{serial:int}", summary="A stamp's case: the rule, its evidence, the latest scans")
    async def get_suspicion_case(
        self, conn: Conn, principal: Caller, serial: PathId
    ) -> SuspicionCase:
        return await suspicion_case(conn, serial, principal.visible_cooperative())

    @post(
        "/{serial:int}/clearance",
        status_code=200,
        summary="Clear a suspicious mark, with the reason (the authority; audited)",
        guards=[AUTHORITY],
    )
    async def clear_suspicious_stamp(
        self, conn: Conn, principal: Caller, serial: PathId, data: JSONBody[Clearance]
    ) -> SuspicionCase:
        return await clear_suspicion(conn, principal, serial, data, datetime.now(UTC))
