"""Scan analytics: per day, product and district; marketplace click-throughs per platform."""

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
from traceability.errors import InvalidInput

Q = queries_beside(__file__)
_MAX_DAYS = 366


class DayCount(msgspec.Struct, frozen=True):
    day: date
    scans: int
    suspicious: int


class ProductCount(msgspec.Struct, frozen=True):
    product_id: int
    product_name: str
    scans: int


class DistrictCount(msgspec.Struct, frozen=True):
    district: str
    scans: int


class PlatformClicks(msgspec.Struct, frozen=True):
    platform: str
    clicks: int


class ScanAnalytics(msgspec.Struct, frozen=True):
    since: date
    until: date
    per_day: list[DayCount]
    per_product: list[ProductCount]
    per_district: list[DistrictCount]
    clicks_per_platform: list[PlatformClicks]


async def analytics(
    conn: asyncpg.Connection, cooperative_id: int | None, since: date, until: date
) -> ScanAnalytics:
    start, end = clock.day_span(since, until)
    args = (cooperative_id, start, end)
    return ScanAnalytics(
        since=since,
        until=until,
        per_day=[DayCount(**dict(r)) for r in await conn.fetch(Q["scans_per_day"], *args)],
        per_product=[
            ProductCount(**dict(r)) for r in await conn.fetch(Q["scans_per_product"], *args)
        ],
        per_district=[
            DistrictCount(**dict(r)) for r in await conn.fetch(Q["scans_per_district"], *args)
        ],
        clicks_per_platform=[
            PlatformClicks(**dict(r)) for r in await conn.fetch(Q["clicks_per_platform"], *args)
        ],
    )


class ScanAnalyticsController(Controller):
    path = "/api/v1/stamps/analytics"
    tags = ["stamps"]
    guards = [WRITERS]

    @get(
        "/",
        summary="Scans per day, product and district; marketplace clicks per platform",
        dependencies=READS_FROM_REPLICA,
    )
    async def scan_analytics(
        self,
        conn: Conn,
        principal: Caller,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
    ) -> ScanAnalytics:
        until = until or clock.today()
        since = since or until - timedelta(days=29)
        if since > until or (until - since).days > _MAX_DAYS:
            raise InvalidInput(f"since must be before until, at most {_MAX_DAYS} days apart.")
        return await analytics(conn, principal.visible_cooperative(), since, until)
