"""The authority's work on a suspicious stamp: look at the evidence, note, dismiss, confirm.

Built on the scan engine's evidence and its clearing of a mark (``scanning/cases.py``) and
on the stamp lifecycle's revocation (``stamping/service.py``): dismissing clears the mark;
confirming a counterfeit revokes the stamp (or its order, or a range) with the reason
consumers then read on every scan of it.
"""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from traceability import clock
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.cases import repository as repo
from traceability.cases.schemas import (
    CaseDetail,
    CaseEvent,
    CaseLine,
    CaseNote,
    CaseStatus,
    Confirmation,
    Dismissal,
)
from traceability.errors import Conflict, NotFound
from traceability.scanning import cases as evidence
from traceability.scanning.schemas import Clearance, SuspicionCase
from traceability.stamping import service as stamping
from traceability.stamping.schemas import RevocationRequest


async def queue(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    status: CaseStatus | None = None,
    cooperative_id: int | None = None,
    product_id: int | None = None,
    rule: str | None = None,
    since: date | None = None,
    until: date | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 50,
) -> list[CaseLine]:
    """Cases newest first; a cooperative sees its own stamps' cases only."""
    own = principal.visible_cooperative()
    return await repo.queue(
        conn,
        status=status,
        cooperative_id=own if own is not None else cooperative_id,
        product_id=product_id,
        rule=rule,
        span=(
            clock.day_start(since) if since else None,
            clock.day_span(until, until)[1] if until else None,
        ),
        after=after,
        limit=limit,
    )


async def open_count(conn: asyncpg.Connection) -> int:
    return await repo.open_count(conn)


def _status(case: SuspicionCase, events: list[CaseEvent]) -> CaseStatus:
    if case.suspicious_at is None:
        return "dismissed"
    confirmed = [e for e in events if e.kind == "confirmed" and e.at >= case.suspicious_at]
    return "confirmed" if confirmed else "open"


async def detail(conn: asyncpg.Connection, principal: Principal, serial: int) -> CaseDetail:
    case = await evidence.suspicion_case(conn, serial, principal.visible_cooperative())
    if case.suspicious_at is None and case.cleared_at is None:
        raise NotFound(
            "Stamp %(serial)s has no case: it was never marked.", params={"serial": serial}
        )
    names = await repo.names(conn, case.batch_id)
    events = await repo.events(conn, serial)
    revoked = await repo.revocation(conn, serial)
    return CaseDetail(
        status=_status(case, events),
        evidence=case,
        cooperative_name=names["cooperative_name"],
        product_name=names["product_name"],
        lot_code=names["lot_code"],
        revoked=revoked is not None,
        revocation_reason=revoked["reason"] if revoked else None,
        events=events,
    )


async def add_note(
    conn: asyncpg.Connection, principal: Principal, serial: int, data: CaseNote
) -> CaseDetail:
    case = await detail(conn, principal, serial)
    await repo.insert_event(
        conn, serial, "note", data.body, user_id=principal.user_id, key_id=principal.key_id
    )
    await record(
        conn, principal, "note", "stamp_case", serial,
        cooperative_id=case.evidence.cooperative_id, after={"note": data.body},
    )  # fmt: skip
    return await detail(conn, principal, serial)


async def dismiss(
    conn: asyncpg.Connection, principal: Principal, serial: int, data: Dismissal
) -> CaseDetail:
    """The scans are explained: the mark goes, and the rules start afresh on this stamp."""
    await repo.lock_stamp(conn, serial)
    case = await detail(conn, principal, serial)
    if case.status != "open":
        raise Conflict("This case is already decided (%(status)s).", params={"status": case.status})
    await evidence.clear_suspicion(
        conn, principal, serial, Clearance(reason=data.reason), clock.now()
    )
    await repo.insert_event(
        conn, serial, "dismissed", data.reason, user_id=principal.user_id, key_id=principal.key_id
    )
    return await detail(conn, principal, serial)


async def confirm(
    conn: asyncpg.Connection, principal: Principal, serial: int, data: Confirmation
) -> tuple[CaseDetail, set[int]]:
    """A counterfeit: revoke the chosen stamps with the reason consumers will read.

    Returns the case and the batches whose cached state must be forgotten after commit.
    """
    await repo.lock_stamp(conn, serial)
    case = await detail(conn, principal, serial)
    if case.status != "open":
        raise Conflict("This case is already decided (%(status)s).", params={"status": case.status})
    if data.scope == "batch":
        request = RevocationRequest(
            batch_id=case.evidence.batch_id, reason=data.reason, category="counterfeit"
        )
    elif data.scope == "range":
        assert data.first_serial is not None
        assert data.last_serial is not None
        if not data.first_serial <= serial <= data.last_serial:
            raise Conflict(
                "The range must hold the stamp of the case (%(serial)s).",
                params={"serial": serial},
                field="first_serial",
            )
        request = RevocationRequest(
            batch_id=case.evidence.batch_id,
            first_serial=data.first_serial,
            last_serial=data.last_serial,
            reason=data.reason,
            category="counterfeit",
        )
    else:
        request = RevocationRequest(
            first_serial=serial, last_serial=serial, reason=data.reason, category="counterfeit"
        )
    result, batches = await stamping.revoke(conn, principal, request)
    body = data.note or data.reason
    await repo.insert_event(
        conn,
        serial,
        "confirmed",
        body,
        revocation_id=result.ranges[0].id,
        user_id=principal.user_id,
        key_id=principal.key_id,
    )
    await record(
        conn, principal, "confirm_counterfeit", "stamp_case", serial,
        cooperative_id=case.evidence.cooperative_id,
        after={"scope": data.scope, "stamps": result.stamps, "reason": data.reason,
               "note": data.note},
    )  # fmt: skip
    return await detail(conn, principal, serial), batches
