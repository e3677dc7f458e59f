"""Offline verdicts: a stamp checked against the JWKS, the signed revocation list and manifest.

A supermarket dock without signal holds three files from the authority: the public keys
(``/.well-known/jwks.json``), the revocation list and the batch manifest
(``/.well-known/stamps/…``). The verdict uses the words of the online bulk verification
(``activated``, ``not_activated``, ``revoked``, ``invalid``) so the two always agree, plus
the two answers only an offline check can give: ``genuine`` (signature and revocation
checked, but no manifest says whether the stamp was activated) and ``unchecked`` (signature
valid; revocation not checked, because no list was given).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from stamps.core import verify
from stamps.format import InvalidStamp
from stamps.keys import KeyRing
from stamps.signed import (
    MANIFEST_TYPE,
    REVOCATIONS_TYPE,
    InvalidDocument,
    open_document,
    parse_utc,
)

REVOCATIONS_FORMAT: Final = "hagiang-stamp-revocations/1"
MANIFEST_FORMAT: Final = "hagiang-stamp-manifest/1"


@dataclass(frozen=True, slots=True)
class SerialRange:
    first: int
    last: int
    data: dict[str, Any]


class _Ranges:
    """Serial ranges; the narrowest one holding a serial wins (a stamp inside its batch).

    Between ranges of equal width the later one in the document wins: a manifest lists a
    batch before the activations inside it.
    """

    def __init__(self, ranges: list[SerialRange]) -> None:
        self._ranges = sorted(ranges, key=lambda r: (r.first, r.last))
        self._firsts = [r.first for r in self._ranges]

    def find(self, serial: int) -> SerialRange | None:
        best: SerialRange | None = None
        end = bisect.bisect_right(self._firsts, serial)
        for candidate in self._ranges[:end]:
            if candidate.last >= serial and (
                best is None or candidate.last - candidate.first <= best.last - best.first
            ):
                best = candidate
        return best

    def __len__(self) -> int:
        return len(self._ranges)


def _ranges(items: object, what: str) -> list[SerialRange]:
    if not isinstance(items, list):
        raise InvalidDocument(f"{what} must be a list")
    found = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidDocument(f"each of {what} must be an object")
        first, last = item.get("first_serial"), item.get("last_serial")
        if not (isinstance(first, int) and isinstance(last, int) and 0 <= first <= last):
            raise InvalidDocument(f"{what}: bad serial range")
        found.append(SerialRange(first, last, item))
    return found


@dataclass(frozen=True, slots=True)
class RevocationList:
    issuer: str
    issued_at: datetime
    next_update: datetime
    revoked_keys: dict[str, str]
    """Key id → reason."""
    ranges: _Ranges
    recalls: _Ranges = field(default_factory=lambda: _Ranges([]))
    """Stamps of recalled lots: revoked too, a stamp's own revocation named first."""

    @classmethod
    def open(cls, document: bytes | str | dict[str, Any], ring: KeyRing) -> RevocationList:
        payload = open_document(document, ring, REVOCATIONS_TYPE)
        if payload.get("format") != REVOCATIONS_FORMAT:
            raise InvalidDocument(f"not a {REVOCATIONS_FORMAT} document")
        keys = payload.get("revoked_keys", [])
        if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
            raise InvalidDocument("revoked_keys must be a list of objects")
        return cls(
            issuer=str(payload.get("issuer", "")),
            issued_at=parse_utc(payload.get("issued_at")),
            next_update=parse_utc(payload.get("next_update")),
            revoked_keys={str(k.get("kid")): str(k.get("reason", "")) for k in keys},
            ranges=_Ranges(_ranges(payload.get("revoked"), "revoked")),
            recalls=_Ranges(_ranges(payload.get("recalled", []), "recalled")),
        )

    def overdue(self, now: datetime) -> bool:
        return now > self.next_update


@dataclass(frozen=True, slots=True)
class Manifest:
    issuer: str
    issued_at: datetime
    next_update: datetime
    complete: bool
    """True when it covers every batch the authority issued (no cooperative filter)."""
    ranges: _Ranges

    @classmethod
    def open(cls, document: bytes | str | dict[str, Any], ring: KeyRing) -> Manifest:
        payload = open_document(document, ring, MANIFEST_TYPE)
        if payload.get("format") != MANIFEST_FORMAT:
            raise InvalidDocument(f"not a {MANIFEST_FORMAT} document")
        return cls(
            issuer=str(payload.get("issuer", "")),
            issued_at=parse_utc(payload.get("issued_at")),
            next_update=parse_utc(payload.get("next_update")),
            complete=payload.get("cooperative_id") is None,
            ranges=_Ranges(_ranges(payload.get("ranges"), "ranges")),
        )


@dataclass(frozen=True, slots=True)
class OfflineVerdict:
    status: str
    """activated, not_activated, revoked, invalid, genuine or unchecked (module docstring)."""
    reason: str | None = None
    category: str | None = None
    """A revocation's category (``recalled`` for a recalled lot's stamp), when it has one."""
    serial: int | None = None
    key_id: str | None = None
    product: str | None = None
    gtin: str | None = None
    lot: str | None = None
    cooperative: str | None = None
    expires_on: str | None = None
    expired: bool = False
    revocation_checked: bool = False
    revocations_overdue: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        found = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name != "details" and getattr(self, name) not in (None, False)
        }
        found["revocation_checked"] = self.revocation_checked
        return found


def check_offline(
    code_or_url: str,
    ring: KeyRing,
    now: datetime,
    revocations: RevocationList | None = None,
    manifest: Manifest | None = None,
) -> OfflineVerdict:
    """The verdict the online service would give, from the files a verifier holds."""
    try:
        stamp = verify(code_or_url, ring)
    except InvalidStamp as exc:
        status = "revoked" if exc.reason.value == "revoked_key" else "invalid"
        return OfflineVerdict(status, exc.reason.value, revocation_checked=revocations is not None)
    overdue = revocations is not None and revocations.overdue(now)
    base: dict[str, Any] = {
        "serial": stamp.serial,
        "key_id": stamp.key_id,
        "revocation_checked": revocations is not None,
        "revocations_overdue": overdue,
    }
    entry = manifest.ranges.find(stamp.serial) if manifest else None
    if entry is not None:
        data = entry.data
        expires = data.get("expires_on")
        base.update(
            product=data.get("product"),
            gtin=data.get("gtin"),
            lot=data.get("lot"),
            cooperative=data.get("cooperative"),
            expires_on=expires,
            expired=isinstance(expires, str) and expires < now.date().isoformat(),
        )
    if revocations is not None:
        if stamp.key_id in revocations.revoked_keys:
            return OfflineVerdict("revoked", "revoked_key", **base)
        revoked = revocations.ranges.find(stamp.serial)
        if revoked is not None:
            category = revoked.data.get("category")
            return OfflineVerdict(
                "revoked",
                str(revoked.data.get("reason", "")),
                category=category if isinstance(category, str) else None,
                **base,
            )
        recalled = revocations.recalls.find(stamp.serial)
        if recalled is not None:
            reason = str(recalled.data.get("reason", ""))
            return OfflineVerdict("revoked", reason, category="recalled", **base)
    if manifest is not None and entry is None:
        if manifest.complete:
            return OfflineVerdict("invalid", "unknown_serial", **base)
    elif entry is not None and not entry.data.get("activated", False):
        return OfflineVerdict("not_activated", **base)
    if revocations is None:
        return OfflineVerdict("unchecked", **base)
    return OfflineVerdict("activated" if entry is not None else "genuine", **base)
