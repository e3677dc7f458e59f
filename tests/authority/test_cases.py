"""Suspicious stamps as cases: the queue, the evidence with names, notes and decisions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.scanning.helpers import FromNetwork, active_batch, app_path, scan_json
from tests.world import Registry
from traceability.app import create_app
from traceability.settings import CloneRules, Settings

NETWORKS = ("14.160.0.1", "8.8.8.8", "203.113.131.7")


async def make_suspicious(client: AsyncTestClient[Any], app: FromNetwork, serial: int) -> None:
    """Three browsers on three networks scan one stamp: with these rules, it is a copy."""
    for address in NETWORKS:
        app.address = address
        client.cookies.clear()
        answer = await scan_json(client, app_path(app, serial))
    assert answer["verdict"] == "suspicious", answer
    app.address = NETWORKS[0]
    client.cookies.clear()


def strict_app(settings: Settings) -> FromNetwork:
    rules = CloneRules(max_places=2, min_networks=2, min_hours=0)
    return FromNetwork(create_app(replace(settings, clone_rules=rules)), NETWORKS[0])


async def test_a_case_from_suspicion_to_a_confirmed_counterfeit(
    settings: Settings, registry: Registry, authority: dict[str, str], db: asyncpg.Connection
) -> None:
    app = strict_app(settings)
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        serial, other = batch["first_serial"], batch["first_serial"] + 1
        await make_suspicious(client, app, serial)
        await make_suspicious(client, app, other)

        queue = (await client.get("/api/v1/cases?status=open", headers=authority)).json()
        assert [c["serial"] for c in queue["items"]] == [other, serial]  # newest first
        line = queue["items"][1]
        assert line["cooperative_name"] == "HTX Anh Tài"
        assert line["product_name"] == "Cam sành Hà Giang"
        assert line["lot_code"] == "CS-2024-11"
        assert (line["rule"], line["sessions"], line["networks"]) == ("spread", 3, 3)
        count = await client.get("/api/v1/cases/open-count", headers=authority)
        assert count.json() == {"open": 2}
        # Filters.
        none = await client.get(
            f"/api/v1/cases?cooperative_id={registry.other_cooperative_id}", headers=authority
        )
        assert none.json()["items"] == []
        assert (await client.get("/api/v1/cases?rule=crowd", headers=authority)).json()[
            "items"
        ] == []
        page = (await client.get("/api/v1/cases?limit=1", headers=authority)).json()
        assert [c["serial"] for c in page["items"]] == [other]
        rest = await client.get(
            f"/api/v1/cases?limit=1&cursor={page['next_cursor']}", headers=authority
        )
        assert [c["serial"] for c in rest.json()["items"]] == [serial]

        case = (await client.get(f"/api/v1/cases/{serial}", headers=authority)).json()
        assert case["status"] == "open"
        assert case["evidence"]["countries"] == ["US", "VN"]
        assert len(case["evidence"]["recent_scans"]) == 3

        # The cooperative reads its own case but decides nothing; another sees nothing.
        assert (
            await client.get(f"/api/v1/cases/{serial}", headers=registry.coop)
        ).status_code == 200
        assert_problem(
            await client.get(f"/api/v1/cases/{serial}", headers=registry.other_coop), 404
        )
        assert_problem(
            await client.post(
                f"/api/v1/cases/{serial}/confirmation", json={}, headers=registry.coop
            ),
            403,
        )

        noted = await client.post(
            f"/api/v1/cases/{serial}/notes",
            json={"body": "Đã gọi HTX: lô này bán ở chợ Đồng Văn, không xuất ngoại."},
            headers=authority,
        )
        assert noted.status_code == 201, noted.text
        assert noted.json()["events"][0]["kind"] == "note"
        assert noted.json()["events"][0]["actor"] == "authority test key"

        reason = "Tem giả: đã xác nhận bị sao chép, sản phẩm không rõ nguồn gốc."
        confirmed = await client.post(
            f"/api/v1/cases/{serial}/confirmation",
            json={"scope": "stamp", "reason": reason},
            headers=authority,
        )
        assert confirmed.status_code == 200, confirmed.text
        body = confirmed.json()
        assert body["status"] == "confirmed"
        assert body["revoked"] is True
        assert body["revocation_reason"] == reason
        assert [e["kind"] for e in body["events"]] == ["note", "confirmed"]
        # Deciding again is refused; the neighbour stamp is untouched.
        assert_problem(
            await client.post(
                f"/api/v1/cases/{serial}/dismissal",
                json={"reason": "nhầm"},
                headers=authority,
            ),
            409,
        )
        # The consumer's page now says so, with the reason.
        scan = await scan_json(client, app_path(app, serial))
        assert scan["verdict"] == "revoked", scan
        assert reason in str(scan)
        assert (await scan_json(client, app_path(app, serial + 2)))["verdict"].startswith("genuine")
        assert (await client.get("/api/v1/cases/open-count", headers=authority)).json() == {
            "open": 1
        }

        # The other case is explained: dismissed, the mark cleared.
        dismissed = await client.post(
            f"/api/v1/cases/{other}/dismissal",
            json={"reason": "Hộp trưng bày tại hội chợ OCOP Hà Giang"},
            headers=authority,
        )
        assert dismissed.status_code == 200, dismissed.text
        assert dismissed.json()["status"] == "dismissed"
        assert dismissed.json()["evidence"]["suspicious_at"] is None
        statuses = (await client.get("/api/v1/cases", headers=authority)).json()["items"]
        assert {c["serial"]: c["status"] for c in statuses} == {
            serial: "confirmed",
            other: "dismissed",
        }
    actions = [
        r["action"]
        for r in await db.fetch(
            "SELECT action FROM audit_log WHERE entity IN ('stamp_case', 'stamp') ORDER BY id"
        )
    ]
    assert actions == ["note", "confirm_counterfeit", "clear_suspicion"]


async def test_confirming_a_range_revokes_the_copied_roll(
    settings: Settings, registry: Registry, authority: dict[str, str]
) -> None:
    app = strict_app(settings)
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        serial = batch["first_serial"] + 10
        await make_suspicious(client, app, serial)
        url = f"/api/v1/cases/{serial}/confirmation"
        outside = {"scope": "range", "first_serial": serial + 1, "last_serial": serial + 5}
        assert_problem(await client.post(url, json=outside, headers=authority), 409)
        missing = {"scope": "range", "first_serial": serial}
        assert_problem(await client.post(url, json=missing, headers=authority), 422)
        roll = {"scope": "range", "first_serial": serial - 5, "last_serial": serial + 5}
        assert (await client.post(url, json=roll, headers=authority)).status_code == 200
        for s in (serial - 5, serial + 5):
            assert (await scan_json(client, app_path(app, s)))["verdict"] == "revoked"
        assert (await scan_json(client, app_path(app, serial + 6)))["verdict"].startswith("genuine")


async def test_a_stamp_never_marked_has_no_case(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    assert_problem(await client.get("/api/v1/cases/424242", headers=authority), 404)
