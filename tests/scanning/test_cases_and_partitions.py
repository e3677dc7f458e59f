"""Suspicious stamps as cases the authority can clear; the scan log's monthly partitions."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.scanning.helpers import FromNetwork, active_batch, app_path, scan_json
from tests.world import Registry
from traceability.app import create_app
from traceability.scanning.partitions import maintain_scan_log
from traceability.settings import CloneRules, Settings


async def _plan(db: asyncpg.Connection, query: str) -> str:
    return "\n".join(r[0] for r in await db.fetch("EXPLAIN " + query))


async def test_authority_clears_a_suspicious_mark_with_a_reason(
    settings: Settings, registry: Registry, authority: dict[str, str], db: asyncpg.Connection
) -> None:
    rules = CloneRules(max_places=2, min_networks=2, min_hours=0)
    app = FromNetwork(create_app(replace(settings, clone_rules=rules)), "14.160.0.1")
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        serial = batch["first_serial"]
        url = app_path(app, serial)
        for address in ("14.160.0.1", "8.8.8.8", "203.113.131.7"):
            app.address = address
            client.cookies.clear()
            answer = await scan_json(client, url)
        assert answer["verdict"] == "suspicious"
        case = await client.get(f"/api/v1/stamps/suspicious/{serial}", headers=registry.coop)
        assert case.status_code == 200
        body = case.json()
        assert (body["rule"], body["sessions"], body["networks"]) == ("spread", 3, 3)
        assert body["countries"] == ["US", "VN"]
        assert [w["network"] for w in body["witnesses"]] == [1, 2, 3]
        assert [s["country"] for s in body["recent_scans"]] == ["VN", "US", "VN"]
        assert_problem(
            await client.get(f"/api/v1/stamps/suspicious/{serial}", headers=registry.other_coop),
            404,
        )
        path = f"/api/v1/stamps/suspicious/{serial}/clearance"
        reason = {"reason": "Hộp trưng bày ở hội chợ Hà Giang"}
        assert_problem(await client.post(path, json=reason, headers=registry.coop), 403)
        assert_problem(await client.post(path, json={"reason": ""}, headers=authority), 400)
        cleared = await client.post(path, json=reason, headers=authority)
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["suspicious_at"] is None
        assert cleared.json()["cleared_reason"] == reason["reason"]
        assert_problem(await client.post(path, json=reason, headers=authority), 409)
        # The next scan of the same evidence no longer flips it: the rules start afresh.
        app.address = "14.160.0.1"
        client.cookies.clear()
        assert (await scan_json(client, url))["verdict"] == "genuine"
        listed = await client.get("/api/v1/stamps/suspicious", headers=authority)
        assert listed.json()["items"] == []
    entry = await db.fetchrow("SELECT * FROM audit_log WHERE action = 'clear_suspicion'")
    assert entry["entity_id"] == str(serial)
    assert entry["before"]["rule"] == "spread"
    assert len(entry["before"]["witnesses"]) == 3
    assert entry["after"]["cleared_reason"] == reason["reason"]
    # The rule's snapshot is kept for the case's history.
    assert await db.fetchval(
        "SELECT suspicious_evidence IS NOT NULL FROM stamps WHERE serial = $1", serial
    )


async def test_suspicious_list_pages_newest_first(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry)
    for i in range(5):
        await db.execute(
            "INSERT INTO stamps (serial, batch_id, scan_count, suspicious_at, suspicious_rule,"
            " suspicious_reason) VALUES ($1, $2, 30, now() - make_interval(mins => $3), 'crowd',"
            " 'test')",
            batch["first_serial"] + i,
            batch["id"],
            i,
        )
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await client.get("/api/v1/stamps/suspicious", params=params, headers=authority)
        ).json()
        seen += [s["serial"] for s in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert seen == [batch["first_serial"] + i for i in range(5)]
    bad = await client.get(
        "/api/v1/stamps/suspicious", params={"cursor": "WyJhYmMiXQ"}, headers=authority
    )
    assert bad.status_code in (400, 422)  # a cursor that is not ours: refused, never a 500
    plan = await _plan(
        db,
        "SELECT serial FROM stamps WHERE suspicious_at IS NOT NULL"
        " ORDER BY suspicious_at DESC, serial DESC LIMIT 50",
    )
    assert "stamps_suspicious" in plan


async def test_scan_log_partitions_by_month_with_retention(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    # Scans that reached the default partition (as after the upgrade) move to their month.
    for at in ("2024-03-15T10:00:00+00:00", "2026-10-31T23:59:59+00:00"):
        await db.execute(
            "INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family)"
            " VALUES ($1, $2, $3, 'genuine', true, 'chrome')",
            datetime.fromisoformat(at),
            batch["first_serial"],
            batch["id"],
        )
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    done = await maintain_scan_log(db, now, retention_months=24)
    assert done.ensured == [
        "scans_2024_03",
        "scans_2026_10",
        "scans_2026_11",
        "scans_2026_12",
        "scans_2027_01",
    ]
    assert done.dropped == ["scans_2024_03"]  # older than 24 months
    assert await db.fetchval("SELECT count(*) FROM scans_default") == 0
    assert await db.fetchval("SELECT count(*) FROM scans_2026_10") == 1
    assert await db.fetchval("SELECT count(*) FROM scans") == 1
    # Twice is harmless; scans keep being recorded into their month.
    assert (await maintain_scan_log(db, now, retention_months=24)).dropped == []
    plan = await _plan(
        db,
        "SELECT count(*) FROM scans WHERE scanned_at >= '2026-10-01' AND scanned_at < '2026-11-01'",
    )
    assert "scans_2026_10" in plan
    assert "scans_2026_11" not in plan


async def test_a_month_is_attached_while_its_scans_arrive(
    db: asyncpg.Connection, database_url: str
) -> None:
    # A month without a partition: its scans go to the default partition. One of them is
    # being recorded (not yet committed) just as the month's partition is made.
    at = datetime(2031, 5, 17, 8, tzinfo=UTC)
    scan = (
        "INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family)"
        " VALUES ($1, $2, $3, 'genuine', true, 'chrome')"
    )
    recorder = await asyncpg.connect(database_url)
    upkeep = await asyncpg.connect(database_url)
    try:
        await db.execute(scan, at, 1, 1)  # already in the default partition
        pending = recorder.transaction()
        await pending.start()
        await recorder.execute(scan, at, 2, 1)
        ensure = asyncio.ensure_future(upkeep.fetchval("SELECT scan_partition_ensure($1)", at))
        # Commit the scan only once the upkeep waits on a lock (the attach, or the lock
        # that now comes first).
        for _ in range(200):
            waiting = await db.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%scan_partition_ensure%'"
            )
            if waiting:
                break
            await asyncio.sleep(0.05)
        assert waiting, "the upkeep never waited for the scan being recorded"
        await pending.commit()
        assert await asyncio.wait_for(ensure, 30) == "scans_2031_05"
    finally:
        await recorder.close()
        await upkeep.close()
    assert await db.fetchval("SELECT count(*) FROM scans_2031_05") == 2
    assert await db.fetchval("SELECT count(*) FROM scans_default") == 0
