"""What a consumer report holds, and what the authority's listing gives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec
from litestar.datastructures import UploadFile

PROBLEM_MAX = 1000
WHERE_MAX = 200
CODE_MAX = 400
"""Of a scanned code only this much is kept: a stamp's is 177 characters."""
PHOTO_MAX_BYTES = 5 * 1024 * 1024
"""What a phone uploads; it is stored re-encoded, far smaller."""


@dataclass
class ReportForm:
    """The form as a browser posts it (multipart): every field optional here, checked later."""

    problem: str = ""
    where: str = ""
    phone: str = ""
    lang: str = ""
    photo: UploadFile | None = None


class NewReport(msgspec.Struct, frozen=True, kw_only=True):
    """A checked report, ready to store."""

    code: str
    serial: int | None
    batch_id: int | None
    verdict: str
    """What the registry says of the code: not_genuine, not_activated, revoked, genuine…"""
    reason: str | None
    problem: str
    bought_at: str | None
    phone: str | None
    photo: bytes | None
    """JPEG, re-encoded: no metadata (no location) from the phone."""
    language: str
    client_hash: str | None
    """A keyed hash of the network prefix: the rate limit's key, never an address."""


class ConsumerReport(msgspec.Struct, frozen=True):
    """One report, as the authority's inbox shows it."""

    id: int
    received_at: datetime
    code: str
    """What was scanned (the stamp's code, or whatever the link held), at most 400 chars."""
    serial: int | None
    batch_id: int | None
    product_id: int | None
    cooperative_id: int | None
    lot_id: int | None
    verdict: str
    """What the page said when the report was sent: not_genuine, suspicious, revoked…"""
    reason: str | None
    problem: str
    bought_at: str | None
    phone: str | None
    language: str
    photo_url: str | None
    """The photo (JPEG) for an authority key, when one was sent."""
