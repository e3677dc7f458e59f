"""The demo's scan history: what the dashboards show is what the scan log holds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from traceability import clock
from traceability.demo import HISTORY_DAYS, seed_registry, seed_scan_history, seed_stamps
from traceability.settings import Settings


async def test_ninety_days_of_scans_agree_in_the_log_and_the_dashboards(
    client: AsyncTestClient[Any],
    db: asyncpg.Connection,
    settings: Settings,
    authority: dict[str, str],
) -> None:
    registry = await seed_registry(db)
    await seed_stamps(db, settings, registry)
    await seed_scan_history(db, settings, registry)
    await seed_scan_history(db, settings, registry)  # a second start adds nothing

    # The copied stamp's three scans are written straight into the log (not through the
    # recorder) to show a suspicious stamp: the history is every other scan.
    logged = await db.fetchval(
        "SELECT count(*) FROM scans WHERE counted"
        " AND serial NOT IN (SELECT serial FROM stamps WHERE suspicious_at IS NOT NULL)"
    )
    assert logged > 500
    today = clock.today()
    answer = await client.get(
        "/api/v1/stamps/analytics",
        params={"since": str(today - timedelta(days=HISTORY_DAYS)), "until": str(today)},
        headers=authority,
    )
    assert answer.status_code == 200, answer.text
    figures = answer.json()
    assert figures["totals"]["scans"] == logged
    assert sum(d["scans"] for d in figures["per_day"]) == logged
    assert len({p["product_id"] for p in figures["per_product"]}) == 3
    assert {c["country"] for c in figures["per_scan_country"]} >= {"VN", "JP", "US"}
    assert figures["shared_places"], "some buyers shared where they scanned"
    # Every history scan is a stamp's first (one phone per stamp): no clone rule fired.
    assert figures["totals"]["first_scans"] == logged
    assert await db.fetchval("SELECT count(*) FROM stamps WHERE suspicious_at IS NOT NULL") == 1
    # The stamps were activated before they were scanned.
    assert await db.fetchval(
        "SELECT bool_and(a.activated_at < s.first_scan_at) FROM stamps s"
        " JOIN stamp_activations a ON a.batch_id = s.batch_id AND a.serials @> s.serial"
        " WHERE s.suspicious_at IS NULL"
    )
