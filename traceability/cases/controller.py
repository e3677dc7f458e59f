"""Cases over HTTP: the queue, one case, and the authority's decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import AUTHORITY, WRITERS
from traceability.cases import service
from traceability.cases.schemas import (
    CaseDetail,
    CaseLine,
    CaseNote,
    CaseStatus,
    Confirmation,
    Dismissal,
)
from traceability.deps import Caller, Conn, OnCommit
from traceability.inputs import PathSerial, QueryId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    decode_cursor,
    encode_cursor,
)
from traceability.scanning.schemas import Rule
from traceability.scanning.service import Cache


class OpenCases(msgspec.Struct, frozen=True):
    open: int
    """Cases marked and not yet decided."""


_CaseCursor = tuple[
    Annotated[datetime, msgspec.Meta(tz=True)], Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
]


def _after(cursor: str | None) -> tuple[datetime, int] | None:
    """The (marked since, serial) after which the next page starts; a crafted cursor is a 400."""
    values: tuple[datetime, int] | None = decode_cursor(cursor, _CaseCursor)
    return values


class CaseController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [WRITERS]

    @get(
        "/",
        summary="Suspicious stamps as cases, newest first, with filters",
        description=(
            "`status` open (marked, not decided), confirmed (a counterfeit, revoked) or "
            "dismissed (the mark cleared); `since`/`until` are Vietnam days of the mark. "
            "A cooperative sees its own stamps' cases."
        ),
    )
    async def list_cases(
        self,
        conn: Conn,
        principal: Caller,
        status: FromQuery[CaseStatus | None] = None,
        cooperative_id: QueryId = None,
        product_id: QueryId = None,
        rule: FromQuery[Rule | None] = None,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[CaseLine]:
        found = await service.queue(
            conn,
            principal,
            status=status,
            cooperative_id=cooperative_id,
            product_id=product_id,
            rule=rule,
            since=since,
            until=until,
            after=_after(cursor),
            limit=limit,
        )
        next_cursor = None
        if len(found) == limit:
            next_cursor = encode_cursor(found[-1].since, found[-1].serial)
        return Page(found, next_cursor)

    @get("/open-count", guards=[AUTHORITY], summary="How many cases wait for a decision")
    async def count_open_cases(self, conn: Conn) -> OpenCases:
        return OpenCases(await service.open_count(conn))

    @get("/{serial:int}", summary="One case: the evidence with names, its history, its state")
    async def get_case(self, conn: Conn, principal: Caller, serial: PathSerial) -> CaseDetail:
        return await service.detail(conn, principal, serial)

    @post("/{serial:int}/notes", guards=[AUTHORITY], summary="Add a note to a case")
    async def add_case_note(
        self, conn: Conn, principal: Caller, serial: PathSerial, data: JSONBody[CaseNote]
    ) -> CaseDetail:
        return await service.add_note(conn, principal, serial, data)

    @post(
        "/{serial:int}/dismissal",
        status_code=200,
        guards=[AUTHORITY],
        summary="Dismiss a case: the scans are explained, the suspicious mark is cleared",
    )
    async def dismiss_case(
        self, conn: Conn, principal: Caller, serial: PathSerial, data: JSONBody[Dismissal]
    ) -> CaseDetail:
        return await service.dismiss(conn, principal, serial, data)

    @post(
        "/{serial:int}/confirmation",
        status_code=200,
        guards=[AUTHORITY],
        summary="Confirm a counterfeit: revoke the stamp, its order or a range, with a reason",
        description=(
            "`scope` stamp (this stamp), batch (every stamp of its order: a copied roll) or "
            "range (`first_serial`..`last_serial`, holding this stamp, within its order). "
            "`reason` is what consumers read when they scan a revoked stamp."
        ),
    )
    async def confirm_counterfeit(
        self,
        conn: Conn,
        principal: Caller,
        cache: Cache,
        after_commit: OnCommit,
        serial: PathSerial,
        data: JSONBody[Confirmation],
    ) -> CaseDetail:
        case, batches = await service.confirm(conn, principal, serial, data)
        after_commit(lambda: cache.forget_batches(batches))
        return case
