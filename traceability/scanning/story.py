"""A stamp's story: its order, activation, revocation, marks, and every scan, for the
cooperative that owns it (and the authority). Staff type the serial printed under the QR
("Số 1.234.567") or photograph the stamp.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import asyncpg
from litestar import Controller, get

from stamps import KeyRing
from stamps.keys import KeyStatus
from traceability.accounts.guards import WRITERS
from traceability.accounts.repository import Principal
from traceability.db.sql import queries_beside
from traceability.deps import Caller, Conn
from traceability.errors import InvalidInput, NotFound
from traceability.inputs import PathSerial
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_time_and_count,
    encode_cursor,
)
from traceability.registry.access import check_owner
from traceability.scanning.schemas import (
    StampState,
    StampStory,
    StoryEvent,
    StoryScan,
    order_status,
)
from traceability.signing import Keys

Q = queries_beside(__file__)
MAX_SERIAL = (1 << 40) - 1
_SERIAL_WORDS = re.compile(r"^\s*(?:số|so|no\.?|n°|#)?\s*", re.IGNORECASE)
_SERIAL_DIGITS = re.compile(r"^[0-9][0-9. ,\u00a0]*$")


def parse_serial(text: str) -> int:
    """A serial as printed under the QR ("Số 1.234.567") or typed ("1234567", "1 234 567")."""
    rest = _SERIAL_WORDS.sub("", text, count=1).strip()
    if not _SERIAL_DIGITS.match(rest):
        raise InvalidInput(
            "Type the number printed under the QR code, for example 1.234.567.",
            field="serial",
        )
    serial = int(re.sub(r"[^0-9]", "", rest))
    if serial > MAX_SERIAL:
        raise InvalidInput("No stamp has a number this large.", field="serial")
    return serial


async def stamp_story(
    conn: asyncpg.Connection, principal: Principal, ring: KeyRing, serial: int, limit: int
) -> StampStory:
    """The stamp's state and events, with its newest ``limit`` scans."""
    row = await _visible(conn, principal, serial)
    values: dict[str, Any] = dict(row)
    scans = await stamp_scans(conn, serial, None, limit)
    key_id = values.pop("key_id")
    key_revoked = key_id in ring.kids and ring.status(key_id) is KeyStatus.REVOKED
    status = order_status(
        {
            "cancelled_at": row["cancelled_at"],
            "activated": row["batch_activated"],
            "downloaded_at": row["downloaded_at"],
        }
    )
    for name in ("batch_activated", "ordered_at", "cancel_reason"):
        values.pop(name)
    return StampStory(
        **values,
        order_status=status,
        state=_state(row, key_revoked),
        key_revoked=key_revoked,
        events=_events(row),
        scans=scans.items,
        next_cursor=scans.next_cursor,
    )


async def _visible(conn: asyncpg.Connection, principal: Principal, serial: int) -> asyncpg.Record:
    """The stamp's facts, if the caller may see them (another cooperative's: not found)."""
    row: asyncpg.Record | None = await conn.fetchrow(Q["stamp_story"], serial)
    missing = "Stamp %(serial)s is in none of your stamp orders."
    if row is None:
        raise NotFound(missing, params={"serial": serial}, field="serial")
    check_owner(principal, row["cooperative_id"], missing % {"serial": serial})
    return row


def _state(row: asyncpg.Record, key_revoked: bool) -> StampState:
    if row["cancelled_at"] is not None:
        return "cancelled"
    if row["revoked_at"] is not None or key_revoked:
        return "revoked"
    if row["activated_at"] is None:
        return "not_activated"
    if row["suspicious_at"] is not None:
        return "suspicious"
    return "active"


def _events(row: asyncpg.Record) -> list[StoryEvent]:
    """What happened to the stamp, oldest first."""
    happened: list[tuple[datetime | None, str, str | None]] = [
        (row["ordered_at"], "ordered", None),
        (row["downloaded_at"], "downloaded", None),
        (row["cancelled_at"], "cancelled", row["cancel_reason"]),
        (row["activated_at"], "activated", row["lot_code"]),
        (row["first_scan_at"], "first_scan", None),
        (row["pin_verified_at"], "pin_used", None),
        (row["suspicious_at"], "marked_suspicious", row["suspicious_reason"]),
        (row["cleared_at"], "cleared", row["cleared_reason"]),
        (row["revoked_at"], "revoked", row["revocation_reason"]),
    ]
    return [
        StoryEvent(at=at, kind=kind, detail=detail)  # type: ignore[arg-type]
        for at, kind, detail in sorted(
            (e for e in happened if e[0] is not None), key=lambda e: e[0] or datetime.min
        )
    ]


async def stamp_scans(
    conn: asyncpg.Connection, serial: int, cursor: str | None, limit: int
) -> Page[StoryScan]:
    """Every scan of the stamp, newest first. The scan log has no row id: the cursor holds
    the last time served and how many scans of that same instant were served already."""
    after = after_time_and_count(cursor)
    at, skip = after if after else (None, 0)
    rows = await conn.fetch(Q["stamp_scans"], serial, at, limit, skip)
    items = [StoryScan(**dict(r)) for r in rows]
    if len(items) < limit:
        return Page(items)
    last = items[-1].scanned_at
    same = sum(1 for s in items if s.scanned_at == last) + (skip if last == at else 0)
    return Page(items, encode_cursor(last.isoformat(), same))


class StampStoryController(Controller):
    path = "/api/v1/stamps"
    tags = ["stamps"]
    guards = [WRITERS]

    @get(
        "/{serial:int}/story",
        summary="A stamp's story: its state, what happened to it, and its latest scans",
    )
    async def get_stamp_story(
        self,
        conn: Conn,
        principal: Caller,
        keys: Keys,
        serial: PathSerial,
        limit: Limit = DEFAULT_LIMIT,
    ) -> StampStory:
        """``next_cursor`` pages on through ``/api/v1/stamps/{serial}/scans``."""
        return await stamp_story(conn, principal, keys.ring, serial, limit)

    @get("/{serial:int}/scans", summary="Every scan of a stamp, newest first")
    async def list_stamp_scans(
        self,
        conn: Conn,
        principal: Caller,
        serial: PathSerial,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[StoryScan]:
        await _visible(conn, principal, serial)
        return await stamp_scans(conn, serial, cursor, limit)
