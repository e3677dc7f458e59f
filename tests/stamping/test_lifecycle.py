from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import Registry, order


async def test_activation_by_batch_range_and_lot_are_range_rows(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    big = await order(client, registry.coop, registry.product_id, 1_000_000)
    await order(client, registry.coop, registry.product_id, 20, lot_id=registry.lot_id)
    whole = await client.post(
        "/api/v1/stamps/activations", json={"batch_id": big["id"]}, headers=registry.coop
    )
    assert whole.status_code == 201
    assert whole.json()["stamps"] == 1_000_000
    by_lot = await client.post(
        "/api/v1/stamps/activations", json={"lot_id": registry.lot_id}, headers=registry.coop
    )
    assert by_lot.status_code == 201
    assert by_lot.json()["stamps"] == 20
    assert await db.fetchval("SELECT count(*) FROM stamp_activations") == 2
    assert await db.fetchval("SELECT count(*) FROM stamps") == 0
    got = (await client.get(f"/api/v1/stamp-batches/{big['id']}", headers=registry.coop)).json()
    assert got["activated"] == 1_000_000
    assert got["revoked"] == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'activate'") == 2


async def test_ranges_outside_a_batch_and_bad_selections_are_refused(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 10)
    spans = await client.post(
        "/api/v1/stamps/activations",
        json={
            "batch_id": batch["id"],
            "first_serial": batch["first_serial"],
            "last_serial": batch["last_serial"] + 1,
        },
        headers=registry.coop,
    )
    assert_problem(spans, 422)
    for body in ({}, {"first_serial": 5}, {"first_serial": 9, "last_serial": 3}):
        answer = await client.post("/api/v1/stamps/activations", json=body, headers=registry.coop)
        assert answer.status_code in (400, 422), body
    wrong_lot = await client.post(
        "/api/v1/stamps/activations",
        json={"batch_id": batch["id"], "assign_lot_id": 999_999},
        headers=registry.coop,
    )
    assert_problem(wrong_lot, 422)


async def test_a_cooperative_cannot_touch_another_cooperatives_batch(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    theirs = await order(client, registry.other_coop, registry.other_product_id, 50)
    attempts = [
        ("post", "/api/v1/stamps/activations", {"batch_id": theirs["id"]}),
        (
            "post",
            "/api/v1/stamps/activations",
            {"first_serial": theirs["first_serial"], "last_serial": theirs["first_serial"]},
        ),
        ("post", "/api/v1/stamps/revocations", {"batch_id": theirs["id"], "reason": "x"}),
        ("get", f"/api/v1/stamp-batches/{theirs['id']}", None),
        ("get", f"/api/v1/stamp-batches/{theirs['id']}/download?format=csv", None),
        ("get", f"/api/v1/stamp-batches/{theirs['id']}/download?format=pdf", None),
    ]
    for method, url, body in attempts:
        if method == "post":
            answer = await client.post(url, json=body, headers=registry.coop)
        else:
            answer = await client.get(url, headers=registry.coop)
        assert_problem(answer, 404)
    retailer = await client.post(
        "/api/v1/stamps/activations", json={"batch_id": theirs["id"]}, headers=registry.retailer
    )
    assert_problem(retailer, 403)
    assert await db.fetchval("SELECT count(*) FROM stamp_activations") == 0
    assert await db.fetchval("SELECT count(*) FROM stamp_revocations") == 0
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action <> 'create'") == 0
