"""What the case endpoints take and give."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from traceability.errors import InvalidInput
from traceability.inputs import Input
from traceability.scanning.schemas import Rule, SuspicionCase
from traceability.stamping.schemas import Reason, Serial

CaseStatus = Literal["open", "confirmed", "dismissed"]
"""``open``: marked suspicious, not decided; ``confirmed``: a counterfeit, its stamps
revoked; ``dismissed``: the authority explained the scans and cleared the mark."""
EventKind = Literal["note", "dismissed", "confirmed"]
Body = Annotated[str, msgspec.Meta(min_length=3, max_length=2000)]


class CaseLine(msgspec.Struct, frozen=True):
    """One case in the queue."""

    serial: int
    batch_id: int
    cooperative_id: int
    cooperative_name: str
    product_id: int
    product_name: str
    lot_id: int | None
    lot_code: str | None
    status: CaseStatus
    rule: Rule | None
    since: datetime
    """When it was marked (or, dismissed, when it was cleared): the queue's order."""
    scan_count: int
    last_scan_at: datetime | None
    sessions: int
    networks: int


class CaseEvent(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    kind: EventKind
    body: str
    actor: str | None
    """The person (or key) who wrote it."""
    revocation_id: int | None


class CaseDetail(msgspec.Struct, frozen=True):
    """A case as the authority judges it: the evidence with names, and what was decided."""

    status: CaseStatus
    evidence: SuspicionCase
    cooperative_name: str
    product_name: str
    lot_code: str | None
    revoked: bool
    """Whether the stamp is revoked now (by this case or otherwise)."""
    revocation_reason: str | None
    events: list[CaseEvent]


class CaseNote(Input):
    """A note on a case: what was checked, who was called."""

    body: Body

    multiline = frozenset({"body"})


class Dismissal(Input):
    """The scans are explained (a display box at a fair, a shop's sample): clear the mark."""

    reason: Body

    multiline = frozenset({"reason"})


class Confirmation(Input):
    """A counterfeit: revoke the stamp, its whole order, or a range of serials around it.

    ``reason`` is what consumers read when they scan the revoked stamps.
    """

    scope: Literal["stamp", "batch", "range"] = "stamp"
    reason: Reason = "Tem giả: Sở Khoa học và Công nghệ đã xác nhận tem này bị sao chép"
    first_serial: Serial | None = None
    last_serial: Serial | None = None
    note: Body | None = None
    """For the case's history (not shown to consumers)."""

    multiline = frozenset({"note"})

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.scope == "range":
            if self.first_serial is None or self.last_serial is None:
                raise InvalidInput(
                    "Give the first and the last serial of the range.", field="first_serial"
                )
            if self.last_serial < self.first_serial:
                raise InvalidInput(
                    "The last serial must not be below the first.", field="last_serial"
                )
        elif self.first_serial is not None or self.last_serial is not None:
            raise InvalidInput("Serials are given only with the scope range.", field="first_serial")
