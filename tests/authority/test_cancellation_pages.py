"""The official's side of a request to cancel a printed order: the list, the decision."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.authority.test_subsidy_pages import _post
from tests.world import Registry, order


async def test_an_official_rejects_with_a_reason_the_cooperative_then_reads(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 500)
    base = f"/api/v1/stamp-batches/{batch['id']}"
    await client.get(f"{base}/download?format=csv", headers=registry.coop)
    asked = await client.post(
        f"{base}/cancellation-request", json={"reason": "Tem in mờ"}, headers=registry.coop
    )
    assert asked.status_code == 201

    overview = await official.get("/portal/subsidy")
    assert "Tem in mờ" in overview.text
    assert f'href="/portal/subsidy/orders/{batch["id"]}#cancellation"' in overview.text
    page = f"/portal/subsidy/orders/{batch['id']}"
    assert 'id="cancellation"' in (await official.get(page)).text

    empty = await _post(official, f"{page}/cancellation/reject", page, reason="  ")
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.text
    rejected = await _post(
        official, f"{page}/cancellation/reject", page, reason="<b>Tem</b> đã dán lên hàng"
    )
    assert rejected.status_code == 303
    assert rejected.headers["location"].endswith("?done=cancellation_rejected")
    decided = (await official.get(page)).text
    assert 'id="cancellation"' not in decided
    assert "&lt;b&gt;Tem&lt;/b&gt; đã dán lên hàng" in decided
    assert (await _post(official, f"{page}/cancellation/other", page)).status_code == 404

    seen = (await client.get(base, headers=registry.coop)).json()
    assert seen["status"] == "downloaded"
    history = (await client.get(f"{base}/cancellation-requests", headers=registry.coop)).json()
    assert history[0]["decision_reason"] == "<b>Tem</b> đã dán lên hàng"
    assert await db.fetchval(
        "SELECT actor_user_id IS NOT NULL FROM audit_log WHERE action = 'reject_cancellation'"
    )
