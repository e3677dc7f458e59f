"""What EPCIS capture answers, in the EPCIS 2.0 REST binding's names (camelCase)."""

from __future__ import annotations

from datetime import datetime

import msgspec


class CapturedEvent(msgspec.Struct, frozen=True, rename="camel"):
    event_id: str = msgspec.field(name="eventID")
    """The event's ``eventID`` as stored: the sender's, else its hash."""
    event_hash: str
    """GS1's canonical event hash (CBV 2.0 §8.9), ``ni:///sha-256;…?ver=CBV2.0``."""
    new: bool
    """False when the same event was already captured (nothing changed)."""
    lot_ids: list[int]
    """The lots whose timeline shows it (empty for a repeat within the same document)."""


class CaptureJob(msgspec.Struct, frozen=True, rename="camel"):
    """A capture job (EPCIS 2.0 §12.2): here finished when the request returns."""

    capture_id: str = msgspec.field(name="captureID")
    created_at: datetime
    finished_at: datetime
    event_count: int
    new_event_count: int
    running: bool = False
    success: bool = True
    capture_error_behaviour: str = "rollback"
    errors: list[str] = []
    events: list[CapturedEvent] | None = None
    """Each event of the request, in order (only in the answer to the capture itself)."""
