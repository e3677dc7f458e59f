"""What a scan answers: the consumer page's facts, also served as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from traceability.inputs import Input
from traceability.registry.origin import ProductOrigin

_CATEGORIES = (
    "damaged_replaced: spoilt when applied, a new stamp is on the box (the product is "
    "fine); recalled: do not use the product, take it back; counterfeit: found to be a "
    "fake or a copy; other: ask the seller or the authority's hotline"
)
RevocationCategory = Annotated[
    Literal["damaged_replaced", "recalled", "counterfeit", "other"],
    msgspec.Meta(
        description=(
            "Why stamps are revoked; the scan page gives each its own heading and advice. "
            + _CATEGORIES
            + "."
        )
    ),
]
StoredRevocationCategory = Annotated[
    Literal["damaged_replaced", "recalled", "counterfeit", "order_cancelled", "other"],
    msgspec.Meta(
        description=(
            "Why the stamp was revoked; the scan page gives each its own heading and advice. "
            + _CATEGORIES
            + "; order_cancelled: its print run was cancelled after printing (the authority "
            "approved the cooperative's request), so the stamp should not be on a product."
        )
    ),
]
OrderStatus = Literal["ordered", "downloaded", "activated", "cancelled"]
"""A stamp order's state. Defined here, below stamping, because a stamp's story shows it too."""


def order_status(values: dict[str, Any]) -> OrderStatus:
    """An order's state from its ``cancelled_at``, ``activated`` and ``downloaded_at``."""
    if values["cancelled_at"] is not None:
        return "cancelled"
    if values["activated"]:
        return "activated"
    if values["downloaded_at"] is not None:
        return "downloaded"
    return "ordered"


Verdict = Literal[
    "genuine", "genuine_first", "not_activated", "revoked", "suspicious", "not_genuine"
]


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
    revocation_category: StoredRevocationCategory | None = None
    """Why the stamp was revoked; each category has its own advice on the page."""
    scan_count: int | None = None
    first_scan_at: datetime | None = None
    places: int | None = None
    pin_verified_at: datetime | None = None
    scratch_pin: bool = True
    """False when the stamp's label has no scratch-off PIN (nothing to ask for)."""
    expired: bool | None = None
    origin: ProductOrigin | None = None
    """The product, its producer and the stamp's lot: the registry's one read model."""


class PinAnswer(msgspec.Struct, frozen=True, omit_defaults=True):
    result: Literal["verified", "already_verified", "wrong", "locked"]
    verified_at: datetime | None = None
    attempts_left: int | None = None


# --- suspicious stamps as cases ----------------------------------------------------------

Rule = Literal["crowd", "spread", "far_apart", "after_pin"]


class SuspiciousStamp(msgspec.Struct, frozen=True):
    """One line of the suspicious list (newest first)."""

    serial: int
    batch_id: int
    cooperative_id: int
    product_id: int
    scan_count: int
    first_scan_at: datetime | None
    last_scan_at: datetime | None
    suspicious_at: datetime
    rule: Rule
    suspicious_reason: str | None
    scans_after_pin: int
    sessions: int
    """Distinct browser sessions the rule saw."""
    networks: int
    """Distinct networks the rule saw."""


class CaseWitness(msgspec.Struct, frozen=True):
    """One browser session's scan, as the clone rules saw it."""

    first_scan_at: datetime
    network: int | None
    """Which of the case's networks (1, 2, …): the same number is the same network."""
    country: str | None
    latitude: float | None
    longitude: float | None
    located_at: datetime | None


class CaseScan(msgspec.Struct, frozen=True):
    scanned_at: datetime
    verdict: str
    counted: bool
    """False for a reload of the same session, or a link preview."""
    country: str | None
    latitude: float | None
    longitude: float | None
    ua_family: str


class SuspicionCase(msgspec.Struct, frozen=True):
    """What the authority needs to judge a stamp: the rule, its evidence, the recent scans."""

    serial: int
    batch_id: int
    cooperative_id: int
    product_id: int
    lot_id: int | None
    scan_count: int
    views: int
    first_scan_at: datetime | None
    last_scan_at: datetime | None
    suspicious_at: datetime | None
    rule: Rule | None
    suspicious_reason: str | None
    sessions: int
    networks: int
    countries: list[str]
    witnesses: list[CaseWitness]
    recent_scans: list[CaseScan]
    cleared_at: datetime | None
    cleared_reason: str | None


class Clearance(Input):
    """Text cleaned and unknown fields refused like every request body (``inputs.Input``)."""

    multiline = frozenset({"reason"})

    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=2000)]
    """Why the scans are explained (e.g. "display box at the Hà Giang trade fair")."""


# --- a stamp's story ----------------------------------------------------------------------

StampState = Literal["cancelled", "not_activated", "active", "suspicious", "revoked"]
StoryEventKind = Literal[
    "ordered",
    "downloaded",
    "cancelled",
    "activated",
    "first_scan",
    "pin_used",
    "marked_suspicious",
    "cleared",
    "revoked",
]


class StoryScan(msgspec.Struct, frozen=True):
    scanned_at: datetime
    verdict: str
    """What the scan page said: genuine, genuine_first, not_activated, revoked, suspicious."""
    counted: bool
    """False for a reload in the same browser session, or a link preview."""
    country: str | None
    """ISO 3166-1 alpha-2 of the scanning network; None when unknown."""
    latitude: float | None
    longitude: float | None
    """A location the consumer chose to share, rounded."""
    ua_family: str


class StoryEvent(msgspec.Struct, frozen=True):
    at: datetime
    kind: StoryEventKind
    detail: str | None = None
    """The lot code (activated), or the reason (cancelled, marked, cleared, revoked)."""


class StampStory(msgspec.Struct, frozen=True):
    """One stamp, as its cooperative sees it: state, events, scans."""

    serial: int
    batch_id: int
    cooperative_id: int
    product_id: int
    product_name: str
    lot_id: int | None
    lot_code: str | None
    state: StampState
    """What a scan says now (``cancelled``: its order was cancelled, it was never printed)."""
    order_status: OrderStatus
    key_revoked: bool
    """The signing key of its order is revoked: every stamp it signed fails."""
    downloaded_at: datetime | None
    cancelled_at: datetime | None
    activated_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None
    scan_count: int
    """Scans counted once per browser session."""
    views: int
    first_scan_at: datetime | None
    last_scan_at: datetime | None
    pin_verified_at: datetime | None
    suspicious_at: datetime | None
    suspicious_rule: str | None
    suspicious_reason: str | None
    cleared_at: datetime | None
    cleared_reason: str | None
    events: list[StoryEvent]
    """What happened to it, oldest first."""
    scans: list[StoryScan]
    """The newest scans; ``next_cursor`` pages on at ``/api/v1/stamps/{serial}/scans``."""
    next_cursor: str | None = None
