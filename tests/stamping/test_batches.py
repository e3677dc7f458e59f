from __future__ import annotations

import asyncio
import itertools
from decimal import Decimal
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import Registry, order
from traceability.settings import Settings


async def test_a_million_stamps_are_one_row(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    # How long it takes is measured by scripts/bench_scan.py, not asserted here.
    batch = await order(client, registry.coop, registry.product_id, 1_000_000)
    assert batch["quantity"] == 1_000_000
    assert batch["last_serial"] - batch["first_serial"] + 1 == 1_000_000
    assert batch["cooperative_id"] == registry.cooperative_id
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 1
    assert await db.fetchval("SELECT count(*) FROM stamps") == 0
    # 350 đồng a stamp, 60 % paid by the province.
    assert Decimal(batch["total_vnd"]) == Decimal(350_000_000)
    assert Decimal(batch["subsidy_vnd"]) == Decimal(210_000_000)
    assert Decimal(batch["cooperative_vnd"]) == Decimal(140_000_000)
    audit = await db.fetchrow("SELECT * FROM audit_log WHERE entity = 'stamp_batch'")
    assert audit["action"] == "create"
    assert audit["cooperative_id"] == registry.cooperative_id


async def test_quantity_limits(client: AsyncTestClient[Any], registry: Registry) -> None:
    for quantity in (0, 1_000_001):
        response = await client.post(
            "/api/v1/stamp-batches",
            json={"product_id": registry.product_id, "quantity": quantity},
            headers=registry.coop,
        )
        assert_problem(response, 400)


async def test_idempotent_retry_returns_the_same_batch(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    headers = {**registry.coop, "Idempotency-Key": "order-2024-11-A"}
    body = {"product_id": registry.product_id, "quantity": 500, "lot_id": registry.lot_id}
    first = await client.post("/api/v1/stamp-batches", json=body, headers=headers)
    again = await client.post("/api/v1/stamp-batches", json=body, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    changed = await client.post(
        "/api/v1/stamp-batches", json={**body, "quantity": 501}, headers=headers
    )
    problem = assert_problem(changed, 422)
    assert problem["batch_id"] == first.json()["id"]
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 1


async def test_concurrent_retries_with_one_key_make_one_batch(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    from traceability.app import create_app

    headers = {**registry.coop, "Idempotency-Key": "same"}
    body = {"product_id": registry.product_id, "quantity": 10}
    async with AsyncTestClient(app=create_app(settings)) as client:
        answers = await asyncio.gather(
            *(client.post("/api/v1/stamp-batches", json=body, headers=headers) for _ in range(4))
        )
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 1


async def test_concurrent_orders_never_overlap(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    # Each request runs on its own pooled connection, so the orders really race.
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 1000 + i},
                headers=registry.coop,
            )
            for i in range(8)
        )
    )
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    ranges = sorted((a.json()["first_serial"], a.json()["last_serial"]) for a in answers)
    for (_, last), (first, _) in itertools.pairwise(ranges):
        assert first > last
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 8


async def test_authority_orders_for_a_cooperative(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    missing = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": registry.product_id, "quantity": 5},
        headers=authority,
    )
    assert_problem(missing, 422)
    batch = await order(
        client, authority, registry.product_id, 5, cooperative_id=registry.cooperative_id
    )
    assert batch["cooperative_id"] == registry.cooperative_id


async def test_a_cooperative_cannot_order_for_another_product_or_lot(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    other = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": registry.other_product_id, "quantity": 5},
        headers=registry.coop,
    )
    assert_problem(other, 404)
    for_other = await client.post(
        "/api/v1/stamp-batches",
        json={
            "product_id": registry.product_id,
            "quantity": 5,
            "cooperative_id": registry.other_cooperative_id,
        },
        headers=registry.coop,
    )
    assert_problem(for_other, 403)
    retailer = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": registry.product_id, "quantity": 5},
        headers=registry.retailer,
    )
    assert_problem(retailer, 403)
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0


async def test_batches_are_listed_per_tenant(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    mine = await order(client, registry.coop, registry.product_id, 3)
    theirs = await order(client, registry.other_coop, registry.other_product_id, 4)
    listed = (await client.get("/api/v1/stamp-batches", headers=registry.coop)).json()
    assert [b["id"] for b in listed["items"]] == [mine["id"]]
    everything = (await client.get("/api/v1/stamp-batches", headers=authority)).json()
    assert {b["id"] for b in everything["items"]} == {mine["id"], theirs["id"]}
    assert_problem(
        await client.get(f"/api/v1/stamp-batches/{theirs['id']}", headers=registry.coop), 404
    )


async def test_cost_report_json_and_csv(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await order(client, registry.coop, registry.product_id, 1000)
    await order(client, registry.coop, registry.product_id, 3)
    await order(client, registry.other_coop, registry.other_product_id, 10)
    report = (await client.get("/api/v1/stamp-batches/cost-report", headers=authority)).json()
    by_coop = {line["cooperative_id"]: line for line in report["lines"]}
    mine = by_coop[registry.cooperative_id]
    assert mine["batches"] == 2
    assert mine["stamps"] == 1003
    assert Decimal(mine["total_vnd"]) == Decimal(1003 * 350)
    assert Decimal(mine["subsidy_vnd"]) + Decimal(mine["cooperative_vnd"]) == Decimal(1003 * 350)
    assert report["stamps"] == 1013
    csv_answer = await client.get("/api/v1/stamp-batches/cost-report?format=csv", headers=authority)
    assert csv_answer.headers["content-type"].startswith("text/csv")
    # Excel needs the BOM to read UTF-8; headers are Vietnamese, money whole đồng.
    assert csv_answer.content.startswith(b"\xef\xbb\xbf")
    rows = csv_answer.content.decode("utf-8-sig").strip().splitlines()
    assert rows[0].startswith("Mã HTX,Hợp tác xã")
    assert any("HTX Anh Tài" in row and ",1003,351050,210630,140420" in row for row in rows)
    assert rows[-1].startswith(",Tổng cộng,3,1013,")
    own = (await client.get("/api/v1/stamp-batches/cost-report", headers=registry.coop)).json()
    assert [line["cooperative_id"] for line in own["lines"]] == [registry.cooperative_id]
