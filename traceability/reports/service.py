"""Taking a consumer's report (checked, rate-limited per network) and listing them."""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg

from traceability import clock
from traceability.errors import InvalidInput, TooManyRequests
from traceability.inputs import clean_text
from traceability.reports import repository as reports
from traceability.reports.photos import UnreadablePhoto, clean_photo
from traceability.reports.schemas import (
    PHOTO_MAX_BYTES,
    PROBLEM_MAX,
    WHERE_MAX,
    ConsumerReport,
    NewReport,
    ReportForm,
)
from traceability.scanning.text import TEXT

WINDOW = timedelta(hours=1)
"""The rate limit counts a network's reports over this window."""
_PHONE = re.compile(r"\+?[0-9 ().-]{6,20}")


@dataclass(frozen=True, slots=True)
class FieldError:
    name: str
    """The form field: problem, where, phone or photo."""
    key: str
    """The message's key in the consumer pages' words."""
    values: dict[str, object] = field(default_factory=dict)

    def message(self, lang: str) -> str:
        return TEXT[lang][self.key].format(**self.values)


class InvalidReport(InvalidInput):
    """The report is not complete or not valid."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "; ".join(f"{e.name}: {e.message('en')}" for e in errors),
            errors=[{"field": e.name, "message": e.message("en")} for e in errors],
        )
        self.fields = errors


class TooManyReports(TooManyRequests):
    """Too many reports from this network; please try again later."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"Too many reports from this network; try again in {minutes} minutes.")
        self.minutes = minutes


@dataclass(frozen=True, slots=True)
class CheckedForm:
    problem: str
    bought_at: str | None
    phone: str | None
    photo: bytes | None


async def check_form(form: ReportForm) -> CheckedForm:
    """The form's fields cleaned (NFC, trimmed), the photo re-encoded; InvalidReport if not."""
    errors: list[FieldError] = []
    problem = _text(form.problem, "problem", PROBLEM_MAX, errors, multiline=True)
    if not problem and not any(e.name == "problem" for e in errors):
        errors.append(FieldError("problem", "err_problem_missing"))
    where = _text(form.where, "where", WHERE_MAX, errors)
    phone = form.phone.strip()
    if phone and not (_PHONE.fullmatch(phone) and sum(c.isdigit() for c in phone) >= 6):
        errors.append(FieldError("phone", "err_phone"))
    photo = await _photo(form, errors)
    if errors:
        raise InvalidReport(errors)
    return CheckedForm(problem, where or None, phone or None, photo)


def _text(
    raw: str, name: str, limit: int, errors: list[FieldError], *, multiline: bool = False
) -> str:
    try:
        text = clean_text(name, raw.replace("\r\n", "\n"), multiline).strip()
    except ValueError:
        errors.append(FieldError(name, "err_text_invalid"))
        return ""
    if len(text) > limit:
        errors.append(FieldError(name, f"err_{name}_long", {"max": limit}))
    return text


async def _photo(form: ReportForm, errors: list[FieldError]) -> bytes | None:
    upload = form.photo
    if upload is None or not upload.filename:
        return None  # the file input left empty
    data = await upload.read(PHOTO_MAX_BYTES + 1)
    if not data:
        return None
    if len(data) > PHOTO_MAX_BYTES:
        errors.append(FieldError("photo", "err_photo", {"mb": PHOTO_MAX_BYTES >> 20}))
        return None
    try:
        return await asyncio.to_thread(clean_photo, data)  # decoding is CPU work
    except UnreadablePhoto:
        errors.append(FieldError("photo", "err_photo", {"mb": PHOTO_MAX_BYTES >> 20}))
        return None


async def submit_report(conn: asyncpg.Connection, report: NewReport, *, per_hour: int) -> int:
    """Store the report and give its id: the same report sent again gets the first one's id.

    TooManyReports when the network has sent ``per_hour`` reports within the last hour.
    """
    await reports.lock_network(conn, report.client_hash)  # one at a time per network
    same = await reports.same_report(conn, report)
    if same is not None:
        return same
    count, oldest = await reports.recent_from(conn, report.client_hash, WINDOW)
    if count >= per_hour and oldest is not None:
        wait = oldest + WINDOW - clock.now()
        raise TooManyReports(max(1, math.ceil(wait.total_seconds() / 60)))
    return await reports.insert(conn, report)


async def list_reports(
    conn: asyncpg.Connection,
    *,
    after: int | None,
    limit: int,
    serial: int | None = None,
    verdict: str | None = None,
) -> list[ConsumerReport]:
    """The authority's inbox: newest first, optionally of one stamp or one verdict."""
    return await reports.list_reports(
        conn, after=after, limit=limit, serial=serial, verdict=verdict
    )


async def get_report(conn: asyncpg.Connection, report_id: int) -> ConsumerReport | None:
    found = await reports.list_reports(conn, after=None, limit=1, report_id=report_id)
    return found[0] if found else None


async def report_photo(conn: asyncpg.Connection, report_id: int) -> bytes | None:
    return await reports.photo(conn, report_id)
