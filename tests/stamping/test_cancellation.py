"""Cancelling a stamp order placed by mistake, until its stamps are downloaded or activated."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import Registry, order
from traceability.accounts.repository import Principal
from traceability.db.pool import init_connection
from traceability.errors import Conflict
from traceability.stamping import service
from traceability.stamping.schemas import StampBatchCancellation


async def test_an_order_nobody_printed_is_cancelled_and_costs_nothing(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    kept = await order(client, registry.coop, registry.product_id, 100)
    mistake = await order(client, registry.coop, registry.product_id, 20_000)
    assert mistake["status"] == "ordered"
    assert mistake["cancellable"] is True

    answer = await client.post(
        f"/api/v1/stamp-batches/{mistake['id']}/cancel",
        json={"reason": "Đặt nhầm số lượng"},
        headers=registry.coop,
    )
    assert answer.status_code == 200, answer.text
    cancelled = answer.json()
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancellable"] is False
    assert cancelled["cancel_reason"] == "Đặt nhầm số lượng"
    assert cancelled["cancelled_at"]

    report = (await client.get("/api/v1/stamp-batches/cost-report", headers=registry.coop)).json()
    assert report["stamps"] == 100 == kept["quantity"]
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'cancel' AND entity_id = $1",
            str(mistake["id"]),
        )
        == 1
    )
    listed = (await client.get("/api/v1/stamp-batches", headers=registry.coop)).json()["items"]
    assert {b["id"]: b["status"] for b in listed} == {
        kept["id"]: "ordered",
        mistake["id"]: "cancelled",
    }


async def test_cancelling_twice_changes_nothing_and_a_body_is_optional(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 10)
    first = await client.post(f"/api/v1/stamp-batches/{batch['id']}/cancel", headers=registry.coop)
    again = await client.post(
        f"/api/v1/stamp-batches/{batch['id']}/cancel", json={}, headers=registry.coop
    )
    assert first.status_code == again.status_code == 200
    assert first.json()["cancelled_at"] == again.json()["cancelled_at"]
    assert again.json()["cancel_reason"] is None
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'cancel'") == 1


async def test_a_downloaded_or_activated_order_cannot_be_cancelled(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    downloaded = await order(client, registry.coop, registry.product_id, 5)
    csv = await client.get(
        f"/api/v1/stamp-batches/{downloaded['id']}/download?format=csv", headers=registry.coop
    )
    assert csv.status_code == 200
    seen = (
        await client.get(f"/api/v1/stamp-batches/{downloaded['id']}", headers=registry.coop)
    ).json()
    assert seen["status"] == "downloaded"
    assert seen["downloaded_at"]
    refused = await client.post(
        f"/api/v1/stamp-batches/{downloaded['id']}/cancel", headers=registry.coop
    )
    assert assert_problem(refused, 409)["status"] == 409
    assert "revoke" in refused.json()["detail"]

    activated = await order(client, registry.coop, registry.product_id, 5)
    await client.post(
        "/api/v1/stamps/activations",
        json={"first_serial": activated["first_serial"], "last_serial": activated["first_serial"]},
        headers=registry.coop,
    )
    assert_problem(
        await client.post(f"/api/v1/stamp-batches/{activated['id']}/cancel", headers=registry.coop),
        409,
    )
    assert await db.fetchval("SELECT count(*) FROM stamp_batches WHERE cancelled_at IS NULL") == 2


async def test_a_cancelled_order_cannot_be_downloaded_or_activated(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 10, lot_id=registry.lot_id)
    await client.post(f"/api/v1/stamp-batches/{batch['id']}/cancel", headers=registry.coop)
    for fmt in ("pdf", "csv", "png"):
        download = await client.get(
            f"/api/v1/stamp-batches/{batch['id']}/download?format={fmt}", headers=registry.coop
        )
        assert_problem(download, 409)
    by_batch = await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    assert_problem(by_batch, 409)
    # By lot, a cancelled order's stamps are simply not the lot's.
    by_lot = await client.post(
        "/api/v1/stamps/activations", json={"lot_id": registry.lot_id}, headers=registry.coop
    )
    assert_problem(by_lot, 404)
    assert await db.fetchval("SELECT count(*) FROM stamp_activations") == 0
    assert await db.fetchval("SELECT downloaded_at FROM stamp_batches") is None
    # The database refuses it too, whatever the service does.
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "INSERT INTO stamp_activations (batch_id, serials) VALUES ($1, int8range($2, $3))",
            batch["id"],
            batch["first_serial"],
            batch["first_serial"] + 1,
        )


async def test_another_cooperative_cannot_cancel(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    theirs = await order(client, registry.other_coop, registry.other_product_id, 10)
    assert_problem(
        await client.post(f"/api/v1/stamp-batches/{theirs['id']}/cancel", headers=registry.coop),
        404,
    )
    assert_problem(
        await client.post(
            f"/api/v1/stamp-batches/{theirs['id']}/cancel", headers=registry.retailer
        ),
        403,
    )
    assert await db.fetchval("SELECT count(*) FROM stamp_batches WHERE cancelled_at IS NULL") == 1


async def test_a_cancellation_and_an_activation_racing_never_both_win(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection, database_url: str
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 10)
    staff = Principal(None, "staff", "cooperative", registry.cooperative_id)
    activation = await asyncpg.connect(database_url)
    cancelling = await asyncpg.connect(database_url)
    await init_connection(cancelling)
    try:
        async with activation.transaction():
            # An activation in flight (not yet committed) holds the batch row.
            await activation.execute(
                "INSERT INTO stamp_activations (batch_id, serials) VALUES ($1, int8range($2, $3))",
                batch["id"],
                batch["first_serial"],
                batch["first_serial"] + 1,
            )

            async def cancel() -> Any:
                async with cancelling.transaction():
                    return await service.cancel_batch(
                        cancelling, staff, batch["id"], StampBatchCancellation()
                    )

            cancel_task = asyncio.create_task(cancel())
            await asyncio.sleep(0.3)
            assert not cancel_task.done(), "the cancellation must wait for the activation"
        with pytest.raises(Conflict):
            await cancel_task
    finally:
        await activation.close()
        await cancelling.close()
    assert await db.fetchval("SELECT cancelled_at FROM stamp_batches") is None


async def test_activating_active_stamps_says_so_and_writes_nothing(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 100)
    first = batch["first_serial"]
    part = await client.post(
        "/api/v1/stamps/activations",
        json={"first_serial": first, "last_serial": first + 9},
        headers=registry.coop,
    )
    assert part.json()["newly_active"] == 10
    assert part.json()["already_active"] == 0
    again = await client.post(
        "/api/v1/stamps/activations",
        json={"first_serial": first, "last_serial": first + 9},
        headers=registry.coop,
    )
    assert again.status_code == 201
    assert again.json() == {"ranges": [], "stamps": 0, "newly_active": 0, "already_active": 10}
    assert await db.fetchval("SELECT count(*) FROM stamp_activations") == 1
    whole = await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    assert whole.json()["newly_active"] == 90
    assert whole.json()["already_active"] == 10
