"""What the stamp batch endpoints take and give."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from traceability.errors import InvalidInput
from traceability.inputs import Id, Input
from traceability.scanning.schemas import OrderStatus, RevocationCategory

MAX_BATCH = 1_000_000

Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_BATCH)]
StampForm = Literal["compact", "gs1-digital-link"]
Approval = Literal["not_needed", "waiting", "approved", "rejected"]
Serial = Annotated[int, msgspec.Meta(ge=0, le=(1 << 40) - 1)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]


class StampBatchOrder(Input):
    """An order for ``quantity`` stamps of one product, optionally already for one lot."""

    product_id: Id
    quantity: Quantity
    lot_id: Id | None = None
    cooperative_id: Id | None = None
    """The authority orders on a cooperative's behalf; a cooperative's key may omit it."""
    stamp_form: StampForm = "compact"
    """``compact``: the QR holds ``https://HOST/S/<177 digits>`` (version 6 at level M).
    ``gs1-digital-link``: it holds ``https://HOST/01/<GTIN>/21/<serial>?8030=<signature>``,
    which tills and GS1 resolvers read too (version 8 at level M); the product needs a GTIN."""
    scratch_pins: bool = True
    """Labels with a scratch-off PIN (printed in a box the print house covers with foil).
    Without, the labels carry no PIN and the scan page never asks for one."""


class StampBatch(msgspec.Struct, frozen=True):
    id: int
    cooperative_id: int
    product_id: int
    lot_id: int | None
    first_serial: int
    last_serial: int
    quantity: int
    key_id: str
    unit_price_vnd: Decimal
    subsidy_share: Decimal
    total_vnd: Decimal
    subsidy_vnd: Decimal
    """The province's part of the cost."""
    cooperative_vnd: Decimal
    created_at: datetime
    stamp_form: StampForm = "compact"
    gtin: str | None = None
    """The GTIN a GS1 Digital Link batch's stamps are signed for."""
    activated: int = 0
    """How many of the batch's stamps are activated."""
    revoked: int = 0
    scratch_pins: bool = True
    """Whether the labels carry a scratch-off PIN."""
    approval: Approval = "not_needed"
    """``not_needed``: the order fitted the cooperative's yearly subsidy budget; beyond it
    the order is ``waiting`` for the authority (its stamps can be neither printed nor
    activated until ``approved``); a ``rejected`` order costs nothing."""
    approval_reason: str | None = None
    """Why the authority rejected (or noted on approving) the order."""
    paid_on: date | None = None
    """When the cooperative's share was paid, as the authority recorded it."""
    payment_reference: str | None = None
    downloaded_at: datetime | None = None
    """The first download of its print files: from then on it cannot be cancelled."""
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    status: OrderStatus = "ordered"
    """``ordered`` (nothing printed yet: it can be cancelled), ``downloaded`` (print files
    taken), ``activated`` (some or all of its stamps are active), ``cancelled``."""
    cancellable: bool = False
    """Whether ``POST …/cancel`` would cancel it now: neither downloaded nor activated."""


class StampBatchCancellation(Input):
    """Cancel an order whose stamps were neither downloaded nor activated."""

    reason: Reason | None = None
    """Why (e.g. "Đặt nhầm số lượng"); kept with the order."""


class StampSelection(Input):
    """Which stamps: a whole batch, a serial range (or one serial), or every stamp of a lot.

    A range needs no batch_id: it must lie inside one batch, which is then found.
    """

    batch_id: Id | None = None
    first_serial: Serial | None = None
    last_serial: Serial | None = None
    lot_id: Id | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.first_serial is None) != (self.last_serial is None):
            raise InvalidInput("Give both first_serial and last_serial (equal for one stamp).")
        if self.first_serial is not None and self.last_serial is not None:
            if self.last_serial < self.first_serial:
                raise InvalidInput("last_serial must not be below first_serial.")
        elif self.batch_id is None and self.lot_id is None:
            raise InvalidInput("Select stamps by batch_id, a serial range or lot_id.")


class ActivationRequest(StampSelection):
    """Activate stamps once they are on boxes; ``assign_lot_id`` names the lot they carry."""

    assign_lot_id: Id | None = None


class RevocationRequest(StampSelection):
    """Revoke stamps; the category and the reason are shown to whoever scans them."""

    reason: Reason = "Thu hồi"
    category: RevocationCategory = "other"


class RangeChange(msgspec.Struct, frozen=True):
    """One activation or revocation row: a serial range of one batch."""

    id: int
    batch_id: int
    first_serial: int
    last_serial: int
    count: int
    lot_id: int | None = None
    reason: str | None = None
    category: str | None = None
    """A revocation's category (see ``RevocationCategory``)."""


class LifecycleResult(msgspec.Struct, frozen=True):
    ranges: list[RangeChange]
    stamps: int
    """How many stamps the ranges cover."""
    newly_active: int | None = None
    """Activation only: stamps that were not active before."""
    already_active: int | None = None
    """Activation only: stamps of the selection that were active already (activating them
    again changes nothing, unless it names a lot)."""


class CostLine(msgspec.Struct, frozen=True):
    cooperative_id: int
    cooperative_name: str
    batches: int
    stamps: int
    total_vnd: Decimal
    subsidy_vnd: Decimal
    cooperative_vnd: Decimal


class CostReport(msgspec.Struct, frozen=True):
    since: date | None
    until: date | None
    lines: list[CostLine]
    stamps: int
    total_vnd: Decimal
    subsidy_vnd: Decimal
    cooperative_vnd: Decimal


class LabelStockInfo(msgspec.Struct, frozen=True):
    """A label sheet the print files can be laid out for (``?stock=<name>``)."""

    name: str
    title: str
    """How to call it in Vietnamese, e.g. "A4, 24 nhãn 70 × 37 mm (3 × 8)"."""
    label_mm: tuple[float, float]
    """One label, width x height."""
    columns: int
    rows: int
    per_page: int
    page_mm: tuple[float, float]
    gap_mm: tuple[float, float]
    """Space between labels, across and down."""
    margin_mm: tuple[float, float]
    """Page edge to the first label, left and top."""
    default: bool
