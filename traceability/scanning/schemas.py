"""What a scan answers: the consumer page's facts, also served as JSON."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

import msgspec

Verdict = Literal[
    "genuine", "genuine_first", "not_activated", "revoked", "suspicious", "not_genuine"
]


class Certificate(msgspec.Struct, frozen=True):
    scheme: str
    number: str | None
    issuer: str | None
    issued_on: date
    expires_on: date | None


class Listing(msgspec.Struct, frozen=True):
    id: int
    platform: str
    label: str | None


class Cooperative(msgspec.Struct, frozen=True):
    id: int
    name: str
    province: str
    district: str
    commune: str
    address_line: str | None
    phone: str | None
    email: str | None
    website: str | None


class Product(msgspec.Struct, frozen=True):
    id: int
    name_vi: str
    name_en: str | None
    category: str
    gtin: str | None
    brand: str | None
    ocop_stars: int | None
    ocop_certificate_no: str | None
    ocop_expires_on: date | None
    geographical_indication: str | None
    applied_standards: str | None
    image_url: str | None
    certificates: list[Certificate]
    listings: list[Listing]


class Origin(msgspec.Struct, frozen=True):
    """A product and its producer: what the page says about where the goods come from."""

    product: Product
    cooperative: Cooperative


class LotEvent(msgspec.Struct, frozen=True):
    kind: str
    occurred_at: datetime
    time_zone: str
    place: str
    actor: str


class Lot(msgspec.Struct, frozen=True):
    id: int
    code: str
    harvested_on: date
    expires_on: date | None
    quantity: Decimal
    unit: str
    planting_area_code: str | None
    planting_area_name: str | None
    crop: str | None
    timeline: list[LotEvent]


class ScanAnswer(msgspec.Struct, frozen=True, omit_defaults=True):
    """The JSON answer of ``GET /s/<code>`` with ``Accept: application/json``."""

    verdict: Verdict
    reason: str | None = None
    """Why: the failure reason of a non-genuine stamp, a revocation or a clone signal."""
    serial: int | None = None
    key_id: str | None = None
    batch_id: int | None = None
    activated_at: datetime | None = None
    revoked_at: datetime | None = None
    scan_count: int | None = None
    first_scan_at: datetime | None = None
    places: int | None = None
    pin_verified_at: datetime | None = None
    scratch_pin: bool = True
    """False when the stamp's label has no scratch-off PIN (nothing to ask for)."""
    expired: bool | None = None
    product: Product | None = None
    cooperative: Cooperative | None = None
    lot: Lot | None = None


class PinAnswer(msgspec.Struct, frozen=True, omit_defaults=True):
    result: Literal["verified", "already_verified", "wrong", "locked"]
    verified_at: datetime | None = None
    attempts_left: int | None = None
