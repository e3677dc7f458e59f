"""The authority's case queue: suspicious stamps with their evidence, notes and decisions.

The same service as ``/api/v1/cases``: dismissing clears the mark, confirming a counterfeit
revokes the stamp (or its order, or a range) with the words consumers then read.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

import msgspec
from babel import Locale
from litestar import Request, get, post

from traceability.cases import service
from traceability.cases.schemas import Body, CaseNote, CaseStatus, Confirmation, Dismissal
from traceability.deps import Conn, OnCommit
from traceability.errors import InvalidInput
from traceability.inputs import Input, PathSerial
from traceability.pagination import decode_cursor, encode_cursor
from traceability.portal.forms import Form, bind, read_form
from traceability.portal.i18n import N_
from traceability.portal.web import OFFICIAL, Official, redirect, render
from traceability.reports import service as reports
from traceability.scanning.service import Cache

PAGE = 50
REPORTS = 20
"""A case page shows its stamp's latest consumer reports (the inbox has them all)."""
STATUSES: Final = {
    "open": N_("Open"),
    "confirmed": N_("Counterfeit confirmed"),
    "dismissed": N_("Dismissed"),
}
RULES: Final = {
    "crowd": N_("Scanned by too many different browsers"),
    "spread": N_("Scanned from too many networks"),
    "far_apart": N_("Scanned far apart within hours"),
    "countries": N_("Scanned in several countries"),
    "after_pin": N_("Scanned again after its scratch PIN was used"),
}
VERDICTS: Final = {
    "genuine_first": N_("Genuine, first scan"),
    "genuine": N_("Genuine"),
    "suspicious": N_("Suspicious"),
    "revoked": N_("Revoked"),
    "not_activated": N_("Not activated"),
    "not_genuine": N_("Not genuine"),
}
"""What the consumer's page answered, in the official's words."""
SCOPES: Final = {
    "stamp": N_("This stamp only"),
    "range": N_("A range of serials around it (a copied roll)"),
    "batch": N_("Every stamp of its order"),
}


class DismissFields(Input):
    """The dismissal form: its field is named apart from the confirmation's ``reason`` on
    the same page (each field's id comes from its name)."""

    explanation: Body

    multiline = frozenset({"explanation"})


class QueueFilter(msgspec.Struct, frozen=True):
    status: str | None = None
    rule: str | None = None
    cooperative_id: int | None = None
    since: date | None = None
    until: date | None = None
    cursor: str | None = None


def country_name(lang: str, code: str | None) -> str:
    """A country as the reader names it (Việt Nam, Hoa Kỳ), from its ISO code."""
    if not code or code == "ZZ":
        return "—"
    return str(Locale(lang).territories.get(code, code))


def _cursor(raw: str | None) -> tuple[datetime, int] | None:
    try:
        values = decode_cursor(raw, 2)
        return None if values is None else (datetime.fromisoformat(values[0]), int(values[1]))
    except (InvalidInput, TypeError, ValueError):
        return None


@get("/cases", summary="Suspicious stamps: the case queue", dependencies=OFFICIAL)
async def cases_page(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    query = dict(request.query_params)
    query.setdefault("status", "open")
    form = bind(QueueFilter, query, official.t)
    chosen = form.data if form.ok else QueueFilter(status="open")
    status: CaseStatus | None = chosen.status if chosen.status in STATUSES else None  # type: ignore[assignment]
    found = await service.queue(
        conn,
        official.principal,
        status=status,
        cooperative_id=chosen.cooperative_id,
        rule=chosen.rule if chosen.rule in RULES else None,
        since=chosen.since,
        until=chosen.until,
        after=_cursor(chosen.cursor),
        limit=PAGE,
    )
    more = None
    if len(found) == PAGE:
        rest = {k: v for k, v in query.items() if k != "cursor" and v}
        rest["cursor"] = encode_cursor(found[-1].since.isoformat(), found[-1].serial)
        more = rest
    rows = await conn.fetch("SELECT id, name FROM cooperatives ORDER BY name, id")
    return render(
        official,
        "cases/queue.html",
        cases=found,
        form=form,
        statuses=STATUSES,
        rules=RULES,
        cooperatives=[(r["id"], r["name"]) for r in rows],
        open_count=await service.open_count(conn),
        more=more,
    )


async def _case_page(
    conn: Conn,
    official: Official,
    serial: int,
    *,
    note: Form[Any] | None = None,
    dismissal: Form[Any] | None = None,
    confirmation: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    case = await service.detail(conn, official.principal, serial)
    t = official.t
    return render(
        official,
        "cases/case.html",
        case=case,
        statuses=STATUSES,
        rules=RULES,
        scopes=SCOPES,
        verdicts=VERDICTS,
        reports=await reports.list_reports(conn, after=None, limit=REPORTS, serial=serial),
        country=lambda code: country_name(official.lang, code),
        countries=", ".join(country_name(official.lang, c) for c in case.evidence.countries) or "—",
        note=note or Form[Any](t),
        dismissal=dismissal or Form[Any](t),
        confirmation=confirmation
        or Form[Any](
            t,
            {
                "scope": "stamp",
                "reason": msgspec.structs.fields(Confirmation)[1].default,
                "first_serial": str(serial),
                "last_serial": str(serial),
            },
        ),
        status=status,
    )


@get("/cases/{serial:int}", summary="A case", dependencies=OFFICIAL)
async def case_page(conn: Conn, official: Official, serial: PathSerial) -> Any:
    return await _case_page(conn, official, serial)


@post("/cases/{serial:int}/notes", summary="Add a note to a case", dependencies=OFFICIAL)
async def add_note(
    request: Request[Any, Any, Any], conn: Conn, official: Official, serial: PathSerial
) -> Any:
    form = await read_form(request, CaseNote, official.t)
    done = await form.run(
        conn, lambda data: service.add_note(conn, official.principal, serial, data)
    )
    if done is None:
        return await _case_page(conn, official, serial, note=form, status=422)
    return redirect(official, f"/portal/cases/{serial}#history", notice="note_added")


@post("/cases/{serial:int}/dismiss", summary="Dismiss a case", dependencies=OFFICIAL)
async def dismiss(
    request: Request[Any, Any, Any], conn: Conn, official: Official, serial: PathSerial
) -> Any:
    form = await read_form(request, DismissFields, official.t)
    done = await form.run(
        conn,
        lambda data: service.dismiss(
            conn, official.principal, serial, Dismissal(reason=data.explanation)
        ),
    )
    if done is None:
        return await _case_page(conn, official, serial, dismissal=form, status=422)
    return redirect(official, f"/portal/cases/{serial}", notice="case_dismissed")


@post("/cases/{serial:int}/confirm", summary="Confirm a counterfeit", dependencies=OFFICIAL)
async def confirm(
    request: Request[Any, Any, Any],
    conn: Conn,
    official: Official,
    cache: Cache,
    after_commit: OnCommit,
    serial: PathSerial,
) -> Any:
    posted = await request.form()
    values = {k: v for k, v in posted.items() if isinstance(v, str)}
    if values.get("scope") != "range":
        values.pop("first_serial", None)
        values.pop("last_serial", None)
    form = bind(Confirmation, values, official.t)
    touched: set[int] = set()

    async def action(data: Confirmation) -> Any:
        case, batches = await service.confirm(conn, official.principal, serial, data)
        touched.update(batches)
        return case

    done = await form.run(conn, action)
    if done is None:
        form.values = {k: v for k, v in posted.items() if isinstance(v, str)}
        return await _case_page(conn, official, serial, confirmation=form, status=422)
    after_commit(lambda: cache.forget_batches(touched))
    return redirect(official, f"/portal/cases/{serial}", notice="case_confirmed")


HANDLERS = [cases_page, case_page, add_note, dismiss, confirm]
