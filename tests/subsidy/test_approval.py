"""Yearly subsidy budgets: orders past them wait for the authority, the same in every face."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import Registry, order
from traceability import clock
from traceability.accounts.repository import SYSTEM
from traceability.app import create_app
from traceability.settings import Settings
from traceability.subsidy import service as subsidy

# 350 đồng a stamp, the province pays 60 %: 1,000 stamps take 210,000 đồng of a budget.
PER_THOUSAND = Decimal(210_000)


async def set_budget(
    client: AsyncTestClient[Any], authority: dict[str, str], cooperative_id: int, vnd: int
) -> dict[str, Any]:
    year = clock.today().year
    answer = await client.put(
        f"/api/v1/subsidy/budgets/{cooperative_id}/{year}",
        json={"budget_vnd": vnd},
        headers=authority,
    )
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def test_without_a_budget_orders_need_no_approval(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 100_000)
    assert batch["approval"] == "not_needed"


async def test_an_order_past_the_budget_waits_and_cannot_be_printed_or_activated(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    await set_budget(client, authority, registry.cooperative_id, 500_000)
    first = await order(client, registry.coop, registry.product_id, 1000)
    second = await order(client, registry.coop, registry.product_id, 1000)
    assert first["approval"] == second["approval"] == "not_needed"
    # 420,000 used: 1,000 more would take the year to 630,000.
    third = await order(client, registry.coop, registry.product_id, 1000)
    assert third["approval"] == "waiting"

    download = await client.get(
        f"/api/v1/stamp-batches/{third['id']}/download?format=csv", headers=registry.coop
    )
    problem = assert_problem(download, 409)
    assert "approval" in problem["detail"]
    activation = await client.post(
        "/api/v1/stamps/activations", json={"batch_id": third["id"]}, headers=registry.coop
    )
    assert_problem(activation, 409)
    # The database refuses it too, whoever writes.
    with pytest.raises(asyncpg.CheckViolationError, match="not approved"):
        await db.execute(
            "INSERT INTO stamp_activations (batch_id, serials) VALUES ($1, int8range($2, $3))",
            third["id"],
            third["first_serial"],
            third["first_serial"] + 1,
        )

    waiting = (await client.get("/api/v1/stamp-batches?approval=waiting", headers=authority)).json()
    assert [b["id"] for b in waiting["items"]] == [third["id"]]

    budgets = (await client.get("/api/v1/subsidy/budgets", headers=registry.coop)).json()
    assert len(budgets) == 1
    assert Decimal(budgets[0]["used_vnd"]) == 2 * PER_THOUSAND
    assert Decimal(budgets[0]["waiting_vnd"]) == PER_THOUSAND
    assert Decimal(budgets[0]["remaining_vnd"]) == Decimal(500_000) - 2 * PER_THOUSAND

    # The cooperative cannot approve its own order.
    assert_problem(
        await client.post(
            f"/api/v1/stamp-batches/{third['id']}/approval",
            json={"decision": "approved"},
            headers=registry.coop,
        ),
        403,
    )
    approved = await client.post(
        f"/api/v1/stamp-batches/{third['id']}/approval",
        json={"decision": "approved"},
        headers=authority,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"] == "approved"
    # A double click answers the same order, unchanged.
    again = await client.post(
        f"/api/v1/stamp-batches/{third['id']}/approval",
        json={"decision": "approved"},
        headers=authority,
    )
    assert again.status_code == 200
    assert (
        await db.fetchval(
            "SELECT count(*) FROM audit_log WHERE action = 'approve' AND entity_id = $1",
            str(third["id"]),
        )
        == 1
    )
    download = await client.get(
        f"/api/v1/stamp-batches/{third['id']}/download?format=csv", headers=registry.coop
    )
    assert download.status_code == 200
    budgets = (await client.get("/api/v1/subsidy/budgets", headers=authority)).json()
    mine = next(b for b in budgets if b["cooperative_id"] == registry.cooperative_id)
    assert Decimal(mine["used_vnd"]) == 3 * PER_THOUSAND
    assert Decimal(mine["remaining_vnd"]) == 0


async def test_a_rejection_says_why_and_costs_nothing(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await set_budget(client, authority, registry.cooperative_id, 0)
    batch = await order(client, registry.coop, registry.product_id, 2000)
    assert batch["approval"] == "waiting"
    url = f"/api/v1/stamp-batches/{batch['id']}/approval"
    no_reason = await client.post(url, json={"decision": "rejected"}, headers=authority)
    assert assert_problem(no_reason, 422)["field"] == "reason"
    rejected = await client.post(
        url,
        json={"decision": "rejected", "reason": "Vượt kinh phí hỗ trợ năm nay"},
        headers=authority,
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["approval"] == "rejected"
    assert rejected.json()["approval_reason"] == "Vượt kinh phí hỗ trợ năm nay"
    # Once decided, the other decision is refused.
    assert_problem(await client.post(url, json={"decision": "approved"}, headers=authority), 409)
    # The cooperative reads the reason on its order.
    seen = (await client.get(f"/api/v1/stamp-batches/{batch['id']}", headers=registry.coop)).json()
    assert seen["approval_reason"] == "Vượt kinh phí hỗ trợ năm nay"
    report = (await client.get("/api/v1/stamp-batches/cost-report", headers=authority)).json()
    assert report["stamps"] == 0
    statement = (await client.get("/api/v1/subsidy/statement", headers=authority)).json()
    assert statement["orders"] == 0


async def test_an_order_within_budget_needs_no_decision(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 10)
    answer = await client.post(
        f"/api/v1/stamp-batches/{batch['id']}/approval",
        json={"decision": "approved"},
        headers=authority,
    )
    assert_problem(answer, 409)
    missing = await client.post(
        "/api/v1/stamp-batches/999999/approval", json={"decision": "approved"}, headers=authority
    )
    assert_problem(missing, 404)


async def test_the_authority_ordering_past_the_budget_approves_its_own_order(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await set_budget(client, authority, registry.cooperative_id, 0)
    batch = await order(
        client, authority, registry.product_id, 500, cooperative_id=registry.cooperative_id
    )
    assert batch["approval"] == "approved"


async def test_a_default_budget_of_zero_makes_every_order_wait(
    settings: Settings, registry: Registry, authority: dict[str, str]
) -> None:
    strict = dataclasses.replace(settings, subsidy_budget_default_vnd=Decimal(0))
    async with AsyncTestClient(app=create_app(strict)) as client:
        batch = await order(client, registry.coop, registry.product_id, 1)
        assert batch["approval"] == "waiting"
        # A budget of its own replaces the default.
        await set_budget(client, authority, registry.cooperative_id, 1_000)
        assert (await order(client, registry.coop, registry.product_id, 1))["approval"] == (
            "not_needed"
        )


async def test_concurrent_orders_count_each_other(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    # Each order fits alone; together four would pass the budget of three.
    await set_budget(client, authority, registry.cooperative_id, int(3 * PER_THOUSAND))
    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 1000},
                headers=registry.coop,
            )
            for _ in range(4)
        )
    )
    assert all(a.status_code == 201 for a in answers), [a.text for a in answers]
    assert sorted(a.json()["approval"] for a in answers) == [
        "not_needed",
        "not_needed",
        "not_needed",
        "waiting",
    ]


async def test_budgets_are_the_authoritys_to_set(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    year = clock.today().year
    url = f"/api/v1/subsidy/budgets/{registry.cooperative_id}/{year}"
    assert_problem(await client.put(url, json={"budget_vnd": 10**9}, headers=registry.coop), 403)
    assert_problem(await client.put(url, json={"budget_vnd": -1}, headers=authority), 400)
    assert_problem(
        await client.put(
            f"/api/v1/subsidy/budgets/999999/{year}", json={"budget_vnd": 1}, headers=authority
        ),
        404,
    )
    body = await set_budget(client, authority, registry.cooperative_id, 2_500_000)
    assert Decimal(body["budget_vnd"]) == Decimal(2_500_000)
    # A cooperative sees its own budget only.
    other = (await client.get("/api/v1/subsidy/budgets", headers=registry.other_coop)).json()
    assert [b["cooperative_id"] for b in other] == [registry.other_cooperative_id]
    assert other[0]["budget_vnd"] is None
    assert other[0]["remaining_vnd"] is None


async def test_the_years_figures(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await set_budget(client, authority, registry.cooperative_id, 300_000)
    first = await order(client, registry.coop, registry.product_id, 1000)
    await order(client, registry.coop, registry.product_id, 1000)  # waits
    await client.post(
        "/api/v1/stamps/activations",
        json={"batch_id": first["id"], "first_serial": first["first_serial"],
              "last_serial": first["first_serial"] + 99},
        headers=registry.coop,
    )  # fmt: skip
    figures = (await client.get("/api/v1/subsidy/figures", headers=authority)).json()
    assert figures["ordered"] == 1000
    assert figures["activated"] == 100
    assert Decimal(figures["subsidy_vnd"]) == PER_THOUSAND
    assert Decimal(figures["budgets_vnd"]) == Decimal(300_000)
    assert figures["waiting_orders"] == 1
    assert_problem(await client.get("/api/v1/subsidy/figures", headers=registry.coop), 403)


async def test_an_order_cancelled_while_it_waited_waits_for_nobody(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    """The cooperative cancels an order that waited for approval: it leaves the province's
    count and list of orders waiting, and there is nothing left to approve."""
    await set_budget(client, authority, registry.cooperative_id, 0)
    kept = await order(client, registry.coop, registry.product_id, 1000)
    dropped = await order(client, registry.coop, registry.product_id, 1000)
    assert kept["approval"] == dropped["approval"] == "waiting"
    figures = (await client.get("/api/v1/subsidy/figures", headers=authority)).json()
    assert figures["waiting_orders"] == 2
    cancelled = await client.post(
        f"/api/v1/stamp-batches/{dropped['id']}/cancel",
        json={"reason": "Đặt nhầm số lượng"},
        headers=registry.coop,
    )
    assert cancelled.status_code == 200, cancelled.text
    figures = (await client.get("/api/v1/subsidy/figures", headers=authority)).json()
    assert figures["waiting_orders"] == 1
    # The official's list of orders to decide (the portal's subsidy page reads it).
    waiting = await subsidy.orders(db, SYSTEM, approval="waiting")
    assert [line.batch_id for line in waiting] == [kept["id"]]
    approve = await client.post(
        f"/api/v1/stamp-batches/{dropped['id']}/approval",
        json={"decision": "approved"},
        headers=authority,
    )
    assert "cancelled" in assert_problem(approve, 409)["detail"]
    still = (await client.get("/api/v1/subsidy/figures", headers=authority)).json()
    assert still["subsidy_vnd"] == figures["subsidy_vnd"]
