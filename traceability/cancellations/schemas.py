"""What the cancellation-request endpoints take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from traceability.errors import InvalidInput
from traceability.inputs import Input
from traceability.registry.types import ShortText

CancellationStatus = Literal["open", "withdrawn", "approved", "rejected"]


class CancellationAsk(Input):
    """Ask the authority to cancel an order whose print files were downloaded."""

    reason: ShortText
    """Why (for example "In sai tên sản phẩm, tem chưa dán"): the authority reads it, and
    it is kept with the order once cancelled."""


class CancellationDecision(Input):
    """The authority's answer to an open request: a rejection says why."""

    decision: Literal["approved", "rejected"]
    reason: ShortText | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.decision == "rejected" and self.reason is None:
            raise InvalidInput(
                "Say why the request is rejected: the cooperative reads it.", field="reason"
            )


class CancellationRequest(msgspec.Struct, frozen=True):
    """A request to cancel a downloaded order, with the order's facts the authority weighs."""

    id: int
    batch_id: int
    cooperative_id: int
    cooperative_name: str
    product_name: str
    quantity: int
    first_serial: int
    last_serial: int
    activated: int
    """How many of the order's stamps are active: those may be on products already."""
    reason: str
    status: CancellationStatus
    """``open`` until withdrawn by the cooperative, or ``approved`` (the order is cancelled
    and its stamps revoked) or ``rejected`` by the authority."""
    requested_at: datetime
    closed_at: datetime | None
    decision_reason: str | None
    """Why the authority rejected the request (or a note on approving it)."""
