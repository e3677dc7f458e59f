"""A stamp's story: its state, what happened to it, and every scan, for its cooperative."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.scanning.helpers import path
from tests.world import Registry, order
from traceability.errors import InvalidInput
from traceability.scanning.story import parse_serial


async def story(
    client: AsyncTestClient[Any], headers: dict[str, str], serial: int, **params: Any
) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/stamps/{serial}/story", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_an_active_stamp_tells_its_order_activation_and_scans(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 50)
    serial = batch["first_serial"] + 7
    await client.post(
        "/api/v1/stamps/activations",
        json={"batch_id": batch["id"], "assign_lot_id": registry.lot_id},
        headers=registry.coop,
    )
    before = await story(client, registry.coop, serial)
    assert before["state"] == "active"
    assert before["scans"] == []
    assert before["lot_code"] == "CS-2024-11"
    # One phone (it keeps the Secure scan cookie over https): the first scan counts, its
    # reloads are views.
    for _ in range(3):
        assert (await client.get("https://testserver.local" + path(client, serial))).is_success
    told = await story(client, registry.coop, serial)
    assert told["product_name"] == "Cam sành Hà Giang"
    assert told["scan_count"] == 1
    assert told["views"] == 3
    assert [e["kind"] for e in told["events"]] == ["ordered", "activated", "first_scan"]
    assert told["events"][1]["detail"] == "CS-2024-11"
    assert len(told["scans"]) == 3
    assert [s["counted"] for s in told["scans"]] == [False, False, True]  # newest first
    assert told["scans"][-1]["verdict"] == "genuine_first"
    assert told["next_cursor"] is None


async def test_states_of_stamps_not_activated_revoked_and_cancelled(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 10)
    first = batch["first_serial"]
    assert (await story(client, registry.coop, first))["state"] == "not_activated"
    await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": first, "last_serial": first, "reason": "Tem rách khi dán"},
        headers=registry.coop,
    )
    revoked = await story(client, registry.coop, first)
    assert revoked["state"] == "revoked"
    assert revoked["revocation_reason"] == "Tem rách khi dán"
    assert revoked["events"][-1]["kind"] == "revoked"
    mistake = await order(client, registry.coop, registry.product_id, 10)
    await client.post(f"/api/v1/stamp-batches/{mistake['id']}/cancel", headers=registry.coop)
    cancelled = await story(client, registry.coop, mistake["last_serial"])
    assert cancelled["state"] == "cancelled"
    assert cancelled["order_status"] == "cancelled"


async def test_every_scan_pages_newest_first_even_at_one_instant(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 5)
    serial = batch["first_serial"]
    instant = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    later = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    rows = [(instant, f"browser-{i}") for i in range(5)] + [(later, "browser-late")]
    for at, family in rows:
        await db.execute(
            "INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family,"
            " country) VALUES ($1, $2, $3, 'not_activated', true, $4, 'VN')",
            at,
            serial,
            batch["id"],
            family,
        )
    first = await story(client, registry.coop, serial, limit=2)
    seen = [s["ua_family"] for s in first["scans"]]
    cursor = first["next_cursor"]
    while cursor:
        page = await client.get(
            f"/api/v1/stamps/{serial}/scans",
            params={"cursor": cursor, "limit": 2},
            headers=registry.coop,
        )
        assert page.status_code == 200, page.text
        seen += [s["ua_family"] for s in page.json()["items"]]
        cursor = page.json()["next_cursor"]
    assert seen[0] == "browser-late"
    assert sorted(seen) == sorted(family for _, family in rows)


async def test_another_cooperatives_stamp_is_not_found(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    theirs = await order(client, registry.other_coop, registry.other_product_id, 10)
    for url in (
        f"/api/v1/stamps/{theirs['first_serial']}/story",
        f"/api/v1/stamps/{theirs['first_serial']}/scans",
        "/api/v1/stamps/999999999/story",
    ):
        assert_problem(await client.get(url, headers=registry.coop), 404)
    assert_problem(
        await client.get(
            f"/api/v1/stamps/{theirs['first_serial']}/story", headers=registry.retailer
        ),
        403,
    )
    assert (await story(client, authority, theirs["first_serial"]))["state"] == "not_activated"
    assert_problem(
        await client.get(
            f"/api/v1/stamps/{theirs['first_serial']}/scans",
            params={"cursor": "not-a-cursor"},
            headers=authority,
        ),
        400,
    )


def test_a_serial_is_read_as_printed_or_typed() -> None:
    for typed in ("Số 1.234.567", "1234567", "1 234 567", "so 1,234,567", " 1.234.567 "):
        assert parse_serial(typed) == 1_234_567, typed
    for wrong in ("", "Số", "12a4", "1.2e5", "<script>", "9" * 20):
        with pytest.raises(InvalidInput):
            parse_serial(wrong)
