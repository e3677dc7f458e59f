"""Bulk verification in and out."""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

Status = Literal["activated", "not_activated", "revoked", "suspicious"]


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    codes: list[str]
    """Stamp codes or stamp URLs, up to 10,000."""


class VerifiedStamp(msgspec.Struct, frozen=True, omit_defaults=True):
    """One result; results line up with the codes sent."""

    valid: bool
    reason: str | None = None
    """Why not: malformed, unknown_key, bad_signature, revoked_key or unknown_serial."""
    serial: int | None = None
    status: Status | None = None
    revocation_reason: str | None = None
    batch_id: int | None = None
    product_id: int | None = None
    product_name: str | None = None
    gtin: str | None = None
    lot_id: int | None = None
    lot_code: str | None = None
    expires_on: date | None = None
    cooperative_id: int | None = None
    cooperative_name: str | None = None


class VerifyResult(msgspec.Struct, frozen=True):
    items: list[VerifiedStamp]
    valid: int
    invalid: int
