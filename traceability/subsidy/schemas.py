"""What the subsidy endpoints take and give."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

import msgspec

from traceability.errors import InvalidInput
from traceability.inputs import Input
from traceability.registry.types import ShortText
from traceability.stamping.schemas import Approval

Decision = Literal["approved", "rejected"]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2200)]
Vnd = Annotated[int, msgspec.Meta(ge=0, le=999_999_999_999_999, description="whole đồng")]


class BudgetSet(Input):
    """The province's subsidy for one cooperative's stamps in one calendar year."""

    budget_vnd: Vnd


class Budget(msgspec.Struct, frozen=True):
    cooperative_id: int
    cooperative_name: str
    year: int
    budget_vnd: Decimal | None
    """None: no budget of its own (the service's default applies)."""
    used_vnd: Decimal
    """The subsidy of the year's orders that fitted or were approved (not cancelled)."""
    waiting_vnd: Decimal
    """The subsidy of the year's orders waiting for approval."""
    remaining_vnd: Decimal | None
    """What is left before orders wait for approval (None: no limit)."""
    updated_at: datetime | None


class ApprovalDecision(Input):
    """Approve or reject an order that waits: a rejection says why (the cooperative sees it)."""

    decision: Decision
    reason: ShortText | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.decision == "rejected" and self.reason is None:
            raise InvalidInput(
                "Say why the order is rejected: the cooperative reads it.", field="reason"
            )


class PaymentRecord(Input):
    """The cooperative's share of an order was paid: the day and the transfer's reference."""

    paid_on: date
    reference: ShortText


class OrderApproval(msgspec.Struct, frozen=True):
    batch_id: int
    approval: Approval
    year: int
    budget_vnd: Decimal | None
    used_vnd: Decimal
    requested_at: datetime
    decided_at: datetime | None
    reason: str | None


class StatementLine(msgspec.Struct, frozen=True):
    """One order in a statement: who ordered what, and who pays what."""

    batch_id: int
    ordered_at: datetime
    cooperative_id: int
    cooperative_name: str
    tax_code: str
    product_name: str
    quantity: int
    unit_price_vnd: Decimal
    total_vnd: Decimal
    subsidy_vnd: Decimal
    """The province's share."""
    cooperative_vnd: Decimal
    """The cooperative's share."""
    paid_on: date | None
    payment_reference: str | None


class StatementCooperative(msgspec.Struct, frozen=True):
    cooperative_id: int
    cooperative_name: str
    tax_code: str
    orders: int
    stamps: int
    total_vnd: Decimal
    subsidy_vnd: Decimal
    cooperative_vnd: Decimal
    paid_vnd: Decimal
    """What of the cooperative's share is marked paid."""
    unpaid_vnd: Decimal


class Statement(msgspec.Struct, frozen=True):
    """The orders the province pays its share of, in a period of Vietnam days."""

    since: date
    until: date
    lines: list[StatementLine]
    cooperatives: list[StatementCooperative]
    orders: int
    stamps: int
    total_vnd: Decimal
    subsidy_vnd: Decimal
    cooperative_vnd: Decimal
    paid_vnd: Decimal
    unpaid_vnd: Decimal


class YearFigures(msgspec.Struct, frozen=True):
    """The province's stamp year at a glance."""

    year: int
    ordered: int
    """Stamps ordered in orders the province pays its share of."""
    activated: int
    """Stamps activated this year."""
    subsidy_vnd: Decimal
    """The province's share of those orders."""
    budgets_vnd: Decimal | None
    """The budgets set for the year, added up (None: none set)."""
    waiting_orders: int
    """Orders waiting for approval (whatever their year)."""


class OrderLine(msgspec.Struct, frozen=True):
    """An order as the authority's lists show it: who, what, the shares, the decision."""

    batch_id: int
    ordered_at: datetime
    cooperative_id: int
    cooperative_name: str
    product_id: int
    product_name: str
    quantity: int
    total_vnd: Decimal
    subsidy_vnd: Decimal
    cooperative_vnd: Decimal
    approval: Approval
    approval_reason: str | None
    budget_vnd: Decimal | None
    """The budget when the order came, if it waited for approval."""
    used_vnd: Decimal | None
    """What the year had used before it, if it waited."""
    decided_at: datetime | None
    paid_on: date | None
    payment_reference: str | None
    downloaded_at: datetime | None = None
    cancelled_at: datetime | None = None
    """Set once cancelled: the order costs nothing and is left out of budgets and statements."""
    cancel_reason: str | None = None
    cancellation_requested: bool = False
    """Whether the cooperative's request to cancel it waits for the authority."""
