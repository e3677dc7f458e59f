"""Scan analytics for dashboards: per day, product, cooperative, the producers' communes,
the scanning country and shared places; marketplace click-throughs per platform.

Everything is read from the rollups the scan recorder keeps as it records scans, never
from the scan log: day totals per cooperative (``scan_days``), and per product and country
the whole months of a period from ``scan_monthly`` with only its other days from
``scan_daily`` (the SQL function ``scan_counts``, shared by the four groupings), and shared
places likewise, everyone's or a cooperative's. A year is 365 day totals and 12 months,
however many scans it held, and costs the same next year. Days and months are Vietnam's.
"""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import msgspec
from litestar import Controller, get
from litestar.params import FromQuery

from traceability import clock
from traceability.accounts.guards import WRITERS
from traceability.db.sql import queries_beside
from traceability.deps import READS_FROM_REPLICA, Caller, Conn
from traceability.errors import InvalidInput, TraceabilityError
from traceability.inputs import check_day

Q = queries_beside(__file__)
MAX_DAYS = 366
STATEMENT_TIMEOUT = "5s"
"""However large the history, an analytics request never holds a connection longer."""


class AnalyticsTimeout(TraceabilityError):
    """The analytics took too long; try a shorter period."""

    status = 503
    slug = "analytics-timeout"


class ScanTotals(msgspec.Struct, frozen=True):
    scans: int
    """Scans counted once per browser session."""
    first_scans: int
    """Scans that were a stamp's first: about how many stamps were scanned."""
    suspicious: int
    """Scans answered "suspicious"."""
    views: int
    """Scan pages shown, reloads included (link previews excluded)."""


class DayCount(msgspec.Struct, frozen=True):
    day: date
    scans: int
    first_scans: int
    suspicious: int


class ProductCount(msgspec.Struct, frozen=True):
    product_id: int
    product_name: str
    scans: int
    suspicious: int


class CooperativeCount(msgspec.Struct, frozen=True):
    cooperative_id: int
    cooperative_name: str
    scans: int
    suspicious: int


class CommuneCount(msgspec.Struct, frozen=True):
    province: str
    commune: str
    former_district: str | None
    """The district before July 2025, when the cooperatives there recorded it."""
    scans: int
    suspicious: int
    cooperatives: int
    """Cooperatives of this commune with scans in the period."""


class ScanCountryCount(msgspec.Struct, frozen=True):
    country: str
    """ISO 3166-1 alpha-2 of the scanning network's address block; "ZZ" when unknown."""
    scans: int


class SharedPlace(msgspec.Struct, frozen=True):
    latitude: float
    longitude: float
    """A location consumers chose to share, rounded to 0.1° (about 11 km)."""
    scans: int


class PlatformClicks(msgspec.Struct, frozen=True):
    platform: str
    clicks: int


class ScanAnalytics(msgspec.Struct, frozen=True):
    since: date
    until: date
    totals: ScanTotals
    per_day: list[DayCount]
    """Every day from ``since`` to ``until`` (Vietnam time), zeros included."""
    per_product: list[ProductCount]
    per_cooperative: list[CooperativeCount]
    per_commune: list[CommuneCount]
    """Where the scanned products come from: their cooperatives' communes."""
    per_scan_country: list[ScanCountryCount]
    """Where scans happen: the country of the scanning network, not the producer's."""
    shared_places: list[SharedPlace]
    clicks_per_platform: list[PlatformClicks]


def whole_months(since: date, until: date) -> tuple[date, date]:
    """The whole calendar months within ``[since, until]``, as ``[first, stop)`` month starts.

    Empty (both the day after ``until``) when the period holds no whole month.
    """
    first = since if since.day == 1 else _next_month(since)
    stop = (until + timedelta(days=1)).replace(day=1)
    if stop <= first:
        return until + timedelta(days=1), until + timedelta(days=1)
    return first, stop


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


async def _shared_places(
    conn: asyncpg.Connection, cooperative_id: int | None, since: date, until: date
) -> list[SharedPlace]:
    first, stop = whole_months(since, until)
    if cooperative_id is not None:
        rows = await conn.fetch(Q["shared_places"], cooperative_id, since, until, first, stop)
    else:
        rows = await conn.fetch(Q["shared_places_everywhere"], since, until, first, stop)
    return [SharedPlace(**dict(r)) for r in rows]


async def analytics(
    conn: asyncpg.Connection, cooperative_id: int | None, since: date, until: date
) -> ScanAnalytics:
    args = (cooperative_id, since, until)
    period = (*args, *whole_months(since, until))
    try:
        async with conn.transaction():
            await conn.execute(f"SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'")
            totals = await conn.fetchrow(Q["scan_totals"], *args)
            return ScanAnalytics(
                since=since,
                until=until,
                totals=ScanTotals(**dict(totals)),
                per_day=[DayCount(**dict(r)) for r in await conn.fetch(Q["scans_per_day"], *args)],
                per_product=[
                    ProductCount(**dict(r))
                    for r in await conn.fetch(Q["scans_per_product"], *period)
                ],
                per_cooperative=[
                    CooperativeCount(**dict(r))
                    for r in await conn.fetch(Q["scans_per_cooperative"], *period)
                ],
                per_commune=[
                    CommuneCount(**dict(r))
                    for r in await conn.fetch(Q["scans_per_commune"], *period)
                ],
                per_scan_country=[
                    ScanCountryCount(**dict(r))
                    for r in await conn.fetch(Q["scans_per_country"], *period)
                ],
                shared_places=await _shared_places(conn, cooperative_id, since, until),
                clicks_per_platform=[
                    PlatformClicks(**dict(r))
                    for r in await conn.fetch(Q["clicks_per_platform"], *args)
                ],
            )
    except asyncpg.QueryCanceledError as exc:
        raise AnalyticsTimeout() from exc


class ScanAnalyticsController(Controller):
    path = "/api/v1/stamps/analytics"
    tags = ["stamps"]
    guards = [WRITERS]

    @get(
        "/",
        summary="Scans per day, product, cooperative, producers' commune, scanning country and"
        " shared place; marketplace clicks per platform",
        dependencies=READS_FROM_REPLICA,
    )
    async def scan_analytics(
        self,
        conn: Conn,
        principal: Caller,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
    ) -> ScanAnalytics:
        """Days are Vietnam days; by default the last 30 (``since``/``until`` up to 366 apart)."""
        until = until or clock.today()
        since = since or until - timedelta(days=29)
        for name, day in (("since", since), ("until", until)):
            try:
                check_day(day, name)  # year 1 would make a million-day series: refuse it
            except ValueError as exc:
                raise InvalidInput(f"{exc}.") from exc
        if since > until or (until - since).days >= MAX_DAYS:
            raise InvalidInput(f"since must not be after until, and at most {MAX_DAYS} days.")
        return await analytics(conn, principal.visible_cooperative(), since, until)
