"""A cooperative's request to cancel an order already downloaded, and the authority's answer."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker, assert_problem
from tests.scanning.helpers import path, scan_json
from tests.world import Registry, order
from traceability.accounts.repository import Principal
from traceability.cancellations import service
from traceability.cancellations.schemas import CancellationAsk
from traceability.errors import Conflict

REASON = "In sai tên sản phẩm <script>alert(1)</script>"


def _url(batch: dict[str, Any], tail: str = "/cancellation-request") -> str:
    return f"/api/v1/stamp-batches/{batch['id']}{tail}"


async def _downloaded(
    client: AsyncTestClient[Any], registry: Registry, quantity: int
) -> dict[str, Any]:
    batch = await order(client, registry.coop, registry.product_id, quantity)
    csv = await client.get(_url(batch, "/download?format=csv"), headers=registry.coop)
    assert csv.status_code == 200
    return batch


async def _ask(
    client: AsyncTestClient[Any], registry: Registry, batch: dict[str, Any], reason: str = REASON
) -> Any:
    return await client.post(_url(batch), json={"reason": reason}, headers=registry.coop)


async def _decide(
    client: AsyncTestClient[Any], authority: dict[str, str], batch: dict[str, Any], **body: Any
) -> Any:
    return await client.post(_url(batch, "/cancellation-request/decision"), json=body,
                             headers=authority)  # fmt: skip


async def _statement(client: AsyncTestClient[Any], authority: dict[str, str]) -> dict[str, Any]:
    answer = await client.get("/api/v1/subsidy/statement", headers=authority)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def _used(client: AsyncTestClient[Any], headers: dict[str, str]) -> str:
    answer = await client.get("/api/v1/subsidy/budgets", headers=headers)
    used: str = answer.json()[0]["used_vnd"]
    return used


async def test_approval_cancels_the_order_revokes_its_range_and_takes_its_cost_out(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection, make_key: KeyMaker
) -> None:
    authority = await make_key("authority")
    kept = await order(client, registry.coop, registry.product_id, 100)
    printed = await _downloaded(client, registry, 40)
    first = printed["first_serial"]
    activated = await client.post(
        "/api/v1/stamps/activations",
        json={"first_serial": first, "last_serial": first + 4},
        headers=registry.coop,
    )
    assert activated.status_code == 201
    before = await _statement(client, authority)
    assert before["orders"] == 2
    used_before = await _used(client, registry.coop)

    asked = await _ask(client, registry, printed)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "open"
    assert request["reason"] == REASON  # stored as written; pages escape it
    assert request["activated"] == 5
    # A double submit: one request, and a clear answer to the second.
    again = assert_problem(await _ask(client, registry, printed), 409)
    assert "already waiting" in again["detail"]
    assert await db.fetchval("SELECT count(*) FROM stamp_order_cancellations") == 1
    # The direct cancellation still refuses a downloaded order.
    assert_problem(await client.post(_url(printed, "/cancel"), headers=registry.coop), 409)

    waiting = await client.get(
        "/api/v1/stamp-batches/cancellation-requests?status=open", headers=authority
    )
    assert [r["batch_id"] for r in waiting.json()["items"]] == [printed["id"]]
    theirs = await client.get(
        "/api/v1/stamp-batches/cancellation-requests", headers=registry.other_coop
    )
    assert theirs.json()["items"] == []

    assert_problem(await _decide(client, registry.coop, printed, decision="approved"), 403)
    decided = await _decide(client, authority, printed, decision="approved")
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    assert decided.json()["closed_at"]
    # Approving twice (a double click) changes nothing; rejecting it now is refused.
    assert (await _decide(client, authority, printed, decision="approved")).json() == decided.json()
    assert_problem(await _decide(client, authority, printed, decision="rejected", reason="Không"),
                   409)  # fmt: skip

    seen = (await client.get(_url(printed, ""), headers=registry.coop)).json()
    assert seen["status"] == "cancelled"
    assert seen["cancel_reason"] == REASON
    assert seen["revoked"] == 40
    for serial in (first, first + 39):  # an active stamp and one never activated
        page = await client.get(path(client, serial))
        assert "<h1>Tem của đợt in đã hủy</h1>" in page.text
        assert "Tem giả" not in page.text
        body = await scan_json(client, path(client, serial))
        assert body["verdict"] == "revoked"
        assert body["revocation_category"] == "order_cancelled"
    english = await client.get(path(client, first) + "?lang=en")
    assert "<h1>Stamp from a cancelled print run</h1>" in english.text

    # The province's 60 % and the cooperative's 40 % of the order drop out.
    after = await _statement(client, authority)
    assert after["orders"] == 1
    assert [line["batch_id"] for line in after["lines"]] == [kept["id"]]
    for share in ("total_vnd", "subsidy_vnd", "cooperative_vnd"):
        assert float(after[share]) == float(before[share]) - float(printed[share])
    assert float(await _used(client, registry.coop)) == float(used_before) - float(
        printed["subsidy_vnd"]
    )
    report = (await client.get("/api/v1/stamp-batches/cost-report", headers=authority)).json()
    assert report["stamps"] == 100
    figures = (await client.get("/api/v1/subsidy/figures", headers=authority)).json()
    assert figures["ordered"] == 100

    # Its stamps can never be activated again, and the audit log says who did what.
    assert_problem(
        await client.post(
            "/api/v1/stamps/activations", json={"batch_id": printed["id"]}, headers=registry.coop
        ),
        409,
    )
    actions = await db.fetch(
        "SELECT action, actor_role FROM audit_log WHERE entity = 'stamp_batch'"
        " AND entity_id = $1 AND (action LIKE '%cancel%' OR action = 'revoke') ORDER BY id",
        str(printed["id"]),
    )
    assert [(r["action"], r["actor_role"]) for r in actions] == [
        ("request_cancellation", "cooperative"),
        ("cancel", "authority"),
        ("revoke", "authority"),
        ("approve_cancellation", "authority"),
    ]


async def test_a_rejection_keeps_the_order_and_tells_the_cooperative_why(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection, make_key: KeyMaker
) -> None:
    authority = await make_key("authority")
    printed = await _downloaded(client, registry, 10)
    assert (await _ask(client, registry, printed)).status_code == 201
    no_reason = assert_problem(await _decide(client, authority, printed, decision="rejected"), 422)
    assert "reason" in str(no_reason)
    rejected = await _decide(
        client, authority, printed, decision="rejected", reason="Tem đã dán lên hàng"
    )
    assert rejected.status_code == 200, rejected.text
    seen = (await client.get(_url(printed, ""), headers=registry.coop)).json()
    assert seen["status"] == "downloaded"
    assert seen["revoked"] == 0
    history = (
        await client.get(_url(printed, "/cancellation-requests"), headers=registry.coop)
    ).json()
    assert [(r["status"], r["decision_reason"]) for r in history] == [
        ("rejected", "Tem đã dán lên hàng")
    ]
    assert await db.fetchval("SELECT count(*) FROM stamp_revocations") == 0
    # The cooperative may ask again, with a better reason.
    assert (await _ask(client, registry, printed, "Tem in mờ, chưa dán")).status_code == 201


async def test_the_cooperative_withdraws_its_request(
    client: AsyncTestClient[Any], registry: Registry, make_key: KeyMaker
) -> None:
    authority = await make_key("authority")
    printed = await _downloaded(client, registry, 10)
    assert_problem(await client.delete(_url(printed), headers=registry.coop), 409)
    await _ask(client, registry, printed)
    withdrawn = await client.delete(_url(printed), headers=registry.coop)
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    twice = await client.delete(_url(printed), headers=registry.coop)
    assert twice.json() == withdrawn.json()
    assert_problem(await _decide(client, authority, printed, decision="approved"), 409)
    seen = (await client.get(_url(printed, ""), headers=registry.coop)).json()
    assert seen["status"] == "downloaded"


@pytest.mark.parametrize(
    ("reason", "status"),
    [("", 422), (" In sai", 422), ("x" * 201, 422), ("Tên\u0000sai", 400), ("x" * 200, 201)],
)
async def test_a_reason_is_required_trimmed_and_at_most_200_characters(
    client: AsyncTestClient[Any], registry: Registry, reason: str, status: int
) -> None:
    printed = await _downloaded(client, registry, 3)
    answer = await _ask(client, registry, printed, reason)
    if status == 201:
        assert answer.status_code == 201
    else:
        assert answer.status_code in (400, 422), answer.text
        assert_problem(answer, answer.status_code)


async def test_refusals_not_downloaded_cancelled_and_another_cooperatives_order(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection, make_key: KeyMaker
) -> None:
    fresh = await order(client, registry.coop, registry.product_id, 5)
    refused = assert_problem(await _ask(client, registry, fresh), 409)
    assert "cancel it directly" in refused["detail"]
    await client.post(_url(fresh, "/cancel"), headers=registry.coop)
    assert "already cancelled" in assert_problem(await _ask(client, registry, fresh), 409)["detail"]

    theirs = await order(client, registry.other_coop, registry.other_product_id, 5)
    await client.get(_url(theirs, "/download?format=csv"), headers=registry.other_coop)
    assert_problem(await _ask(client, registry, theirs), 404)
    assert_problem(await client.delete(_url(theirs), headers=registry.coop), 404)
    assert_problem(
        await client.get(_url(theirs, "/cancellation-requests"), headers=registry.coop), 404
    )
    assert_problem(
        await client.post(_url(theirs), json={"reason": "x"}, headers=registry.retailer), 403
    )
    assert await db.fetchval("SELECT count(*) FROM stamp_order_cancellations") == 0


async def test_the_database_keeps_the_rules_whatever_the_service_does(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    printed = await _downloaded(client, registry, 5)
    with pytest.raises(asyncpg.CheckViolationError, match="approved request"):
        await db.execute(
            "UPDATE stamp_batches SET cancelled_at = now() WHERE id = $1", printed["id"]
        )
    await db.execute(
        "INSERT INTO stamp_order_cancellations (batch_id, reason) VALUES ($1, 'a')", printed["id"]
    )
    with pytest.raises(asyncpg.UniqueViolationError):
        await db.execute(
            "INSERT INTO stamp_order_cancellations (batch_id, reason) VALUES ($1, 'b')",
            printed["id"],
        )


async def test_the_service_refuses_a_second_open_request(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    printed = await _downloaded(client, registry, 5)
    staff = Principal(None, "staff", "cooperative", registry.cooperative_id)
    async with db.transaction():
        made = await service.request_cancellation(
            db, staff, printed["id"], CancellationAsk(reason="In sai")
        )
    assert made.status == "open"
    with pytest.raises(Conflict):
        async with db.transaction():
            await service.request_cancellation(
                db, staff, printed["id"], CancellationAsk(reason="In sai")
            )


async def test_an_order_cancelled_before_printing_leaves_budgets_and_statements_too(
    client: AsyncTestClient[Any], registry: Registry, make_key: KeyMaker
) -> None:
    authority = await make_key("authority")
    kept = await order(client, registry.coop, registry.product_id, 10)
    mistake = await order(client, registry.coop, registry.product_id, 1000)
    cancelled = await client.post(_url(mistake, "/cancel"), headers=registry.coop)
    assert cancelled.status_code == 200
    statement = await _statement(client, authority)
    assert [line["batch_id"] for line in statement["lines"]] == [kept["id"]]
    assert float(await _used(client, registry.coop)) == float(kept["subsidy_vnd"])
    figures = (await client.get("/api/v1/subsidy/figures", headers=authority)).json()
    assert figures["ordered"] == 10
