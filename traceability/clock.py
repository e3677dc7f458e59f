"""Vietnam time: the one module that names the zone and says where a day begins and ends.

Every "today", every report day and every local time shown to a person comes from here, so
a server running in UTC (or anywhere else) counts the same days as a cooperative in Hà Giang.
Functions that depend on "now" take it as a parameter (``at=``); ``now()`` is the default.
Việt Nam has kept UTC+7 without summer time since 1975, but the zone is named, not assumed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM_ZONE = "Asia/Ho_Chi_Minh"
"""The IANA name, for SQL (``AT TIME ZONE``) and for records that store their zone."""
VIETNAM = ZoneInfo(VIETNAM_ZONE)


def now() -> datetime:
    """The current moment, aware, in UTC (how the database stores it)."""
    return datetime.now(UTC)


def today(at: datetime | None = None) -> date:
    """The calendar day in Việt Nam at ``at`` (default: now)."""
    return (at or now()).astimezone(VIETNAM).date()


def local(at: datetime) -> datetime:
    """``at`` as a person in Việt Nam reads it."""
    return at.astimezone(VIETNAM)


def day_start(day: date) -> datetime:
    """The moment ``day`` begins in Việt Nam (00:00 local), in UTC."""
    return datetime.combine(day, time(), VIETNAM).astimezone(UTC)


def day_span(since: date, until: date) -> tuple[datetime, datetime]:
    """The half-open span of moments ``[since 00:00, the day after until 00:00)`` in Việt Nam."""
    return day_start(since), day_start(until + timedelta(days=1))


__all__ = ["VIETNAM", "VIETNAM_ZONE", "day_span", "day_start", "local", "now", "today"]
