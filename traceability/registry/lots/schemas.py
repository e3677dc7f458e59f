"""What the lot and lot-event endpoints take and give.

Event times arrive as RFC 3339 with an offset (a time without one is refused: it is not a
moment). They are stored in UTC together with the IANA zone the actor was in, so the
timeline shows local time as it was, daylight saving and all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from msgspec import UNSET, UnsetType

from traceability import clock
from traceability.clock import VIETNAM_ZONE
from traceability.errors import InvalidInput
from traceability.inputs import Id, Input
from traceability.registry.types import (
    Gln,
    LongText,
    Quantity,
    ShortText,
    check_dates,
    check_gln,
)

LotCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[A-Za-z0-9._-]{1,20}$",
        description="GS1 AI (10) batch/lot: up to 20 of A–Z a–z 0–9 . _ -",
        examples=["CS2411-01"],
    ),
]
Unit = Literal["kg", "t", "g", "l", "ml", "box", "jar", "bag", "piece"]
EventKind = Literal[
    "harvest", "processing", "packing", "shipping", "receiving", "storing", "inspecting", "other"
]
AwareDateTime = Annotated[
    datetime,
    msgspec.Meta(tz=True, description="RFC 3339 with an offset, e.g. 2024-11-20T07:30:00+07:00"),
]
TimeZoneName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, examples=["Asia/Ho_Chi_Minh"])
]
LotSort = Literal["code", "-code", "created_at", "-created_at", "id", "-id"]

_EXPIRY_RULE = "A lot cannot expire before it is harvested"


class LotCreate(Input):
    product_id: Id
    code: LotCode
    harvested_on: date
    """Harvest date for produce, production date for processed goods."""
    quantity: Quantity
    unit: Unit
    planting_area_id: Id | None = None
    """Must belong to the product's cooperative."""
    expires_on: date | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        check_dates(self.harvested_on, self.expires_on, _EXPIRY_RULE, strict=False)


class LotPatch(Input):
    """The code and product are fixed: printed stamps carry them."""

    harvested_on: date | UnsetType = UNSET
    quantity: Quantity | UnsetType = UNSET
    unit: Unit | UnsetType = UNSET
    planting_area_id: Id | UnsetType | None = UNSET
    expires_on: date | UnsetType | None = UNSET


class Lot(msgspec.Struct, frozen=True):
    id: int
    product_id: int
    cooperative_id: int
    planting_area_id: int | None
    code: str
    harvested_on: date
    quantity: float
    unit: str
    expires_on: date | None
    created_at: datetime
    updated_at: datetime


class LotEventCreate(Input):
    multiline = frozenset({"notes"})

    kind: EventKind
    occurred_at: AwareDateTime
    place: ShortText
    actor: ShortText
    time_zone: TimeZoneName | None = None
    """IANA zone; may be left out for +07:00 (Asia/Ho_Chi_Minh) and Z (UTC)."""
    notes: LongText | None = None
    place_gln: Gln | None = None
    """The place's GS1 GLN when it has one (EPCIS exports it as the event's location)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.time_zone = event_zone(self.occurred_at, self.time_zone)
        if self.place_gln is not None:
            check_gln(self.place_gln)


CLOCK_SKEW = timedelta(minutes=5)


def check_within_lot_life(occurred_at: datetime, harvested_on: date, now: datetime) -> None:
    """An event happens during the lot's life: from its harvest day (in Việt Nam) until now.

    A back-dated event (year 2001 on a 2024 lot) would push the real events off the
    consumer's timeline; a future one is a typing mistake. The database checks it again.
    """
    if occurred_at < clock.day_start(harvested_on):
        raise InvalidInput(
            "An event cannot happen before the lot was harvested (%(day)s).",
            params={"day": f"{harvested_on:%d/%m/%Y}"},
            constraint="lot_events_within_lot_life",
        )
    if occurred_at > now + CLOCK_SKEW:
        raise InvalidInput(
            "An event cannot happen in the future.", constraint="lot_events_within_lot_life"
        )


def event_zone(occurred_at: datetime, time_zone: str | None) -> str:
    """The IANA zone of an event, checked against the offset it was written with."""
    offset = occurred_at.utcoffset()
    if time_zone is None:
        if offset == timedelta(hours=7):
            return VIETNAM_ZONE
        if offset == timedelta(0):
            return "UTC"
        raise ValueError("Name the IANA time_zone for an offset other than +07:00 or Z")
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"{time_zone!r} is not an IANA time zone") from exc
    if occurred_at.astimezone(zone).utcoffset() != offset:
        raise ValueError(f"The offset of occurred_at is not that of {time_zone} at that time")
    return time_zone


class LotEvent(msgspec.Struct, frozen=True):
    id: int
    lot_id: int
    kind: str
    occurred_at: datetime
    """In UTC."""
    time_zone: str
    local_time: datetime
    """``occurred_at`` in ``time_zone``, with its offset: what the timeline shows."""
    place: str
    actor: str
    notes: str | None
    place_gln: str | None = None
    public: bool = True
    """On the lot's public timeline (scan pages, EPCIS); False for a retailer's receiving."""
