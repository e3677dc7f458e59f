"""What receiving and deliveries take and give (the API and the portal's forms alike)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar

import msgspec

from traceability.inputs import Id, Input
from traceability.registry.types import LongText, ShortText
from traceability.verification.schemas import StatusCounts, VerifiedStamp

MAX_CODES = 10_000
"""As bulk verify: a delivery of more stamps is recorded in parts."""

Codes = Annotated[
    list[str],
    msgspec.Meta(
        min_length=1,
        max_length=MAX_CODES,
        description="Stamp codes or stamp URLs as the scanner read them, up to 10,000",
    ),
]


class ReceivingCheck(Input):
    """The codes a clerk scanned from a delivery, to check before recording it."""

    codes: Codes


class ReceivedLine(msgspec.Struct, frozen=True):
    """One code as scanned, and what it is."""

    code: str
    """The code as read (trimmed), so the clerk can find the box."""
    stamp: VerifiedStamp


class Receipt(msgspec.Struct, frozen=True):
    """The answer at the dock: a summary by outcome and a line per distinct stamp."""

    by_status: StatusCounts
    """Genuine and active, not activated, revoked, suspicious, and forged or unknown
    (``invalid``): each distinct code counts under exactly one."""
    lines: list[ReceivedLine]
    duplicates: int
    """Codes scanned more than once (the same stamp twice): counted once."""
    blank: int
    """Empty lines skipped."""


class DeliveryCreate(Input):
    """A delivery the chain's store received, with the codes of its stamps."""

    multiline: ClassVar[frozenset[str]] = frozenset({"notes"})

    store_id: Id
    cooperative_id: Id
    """The supplier cooperative, as the delivery note says."""
    codes: Codes
    purchase_order: ShortText | None = None
    """The chain's purchase-order number (số đơn đặt hàng)."""
    received_at: datetime | None = None
    """When the goods arrived (with a time zone); now if left out."""
    notes: LongText | None = None


class DeliveryLot(msgspec.Struct, frozen=True):
    lot_id: int | None
    lot_code: str | None
    product_name: str | None
    cooperative_id: int
    cooperative_name: str
    expires_on: date | None
    stamps: int


class Delivery(msgspec.Struct, frozen=True):
    id: int
    chain_id: int
    chain_name: str
    store_id: int
    store_name: str
    cooperative_id: int
    cooperative_name: str
    purchase_order: str | None
    received_at: datetime
    notes: str | None
    by_status: StatusCounts
    """The stamps' outcomes when they were checked at the dock."""
    created_at: datetime
    lots: list[DeliveryLot] = []
    """The lots it held (a cooperative sees only its own lots)."""
