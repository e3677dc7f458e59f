"""Scans for dashboards, written straight into the rollups the scan recorder keeps (the
dashboards read nothing else): 46 scans over four days in Viet Nam and Japan, one shared
place near Hà Giang."""

from __future__ import annotations

import asyncpg

TODAY = "(now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"


async def add_scans(db: asyncpg.Connection, coop: int, product: int) -> None:
    """The rollups the scan recorder keeps, as it would write them: day totals per
    cooperative, products and countries per day and per month, shared places likewise."""
    for days_ago, country, scans in ((0, "VN", 12), (1, "VN", 30), (3, "JP", 4)):
        day = f"({TODAY} - {days_ago})"
        month = f"date_trunc('month', {day})::date"
        await db.execute(
            "INSERT INTO scan_daily (day, cooperative_id, product_id, country, shard, scans,"
            f" first_scans, suspicious) VALUES ({day}, $1, $2, $3, 0, $4, $4, 0)",
            coop,
            product,
            country,
            scans,
        )
        await db.execute(
            "INSERT INTO scan_days (day, cooperative_id, shard, scans, first_scans, suspicious)"
            f" VALUES ({day}, $1, 0, $2, $2, 0)",
            coop,
            scans,
        )
        await db.execute(
            "INSERT INTO scan_monthly AS m (month, cooperative_id, product_id, country, shard,"
            f" scans, first_scans, suspicious) VALUES ({month}, $1, $2, $3, 0, $4, $4, 0)"
            " ON CONFLICT (month, cooperative_id, product_id, country, shard)"
            " DO UPDATE SET scans = m.scans + excluded.scans",
            coop,
            product,
            country,
            scans,
        )
    await db.execute(
        "INSERT INTO scan_daily_places (day, cooperative_id, product_id, latitude, longitude,"
        f" shard, scans) VALUES ({TODAY}, $1, $2, 22.8, 104.9, 0, 3)",
        coop,
        product,
    )
    await db.execute(
        "INSERT INTO scan_monthly_places (month, latitude, longitude, shard, scans)"
        f" VALUES (date_trunc('month', {TODAY})::date, 22.8, 104.9, 0, 3)"
    )
