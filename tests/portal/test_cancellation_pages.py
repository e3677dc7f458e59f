"""A cooperative's order page once printed: ask the province to cancel, twice, withdraw."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.coop_world import coop_world, post_form
from tests.portal.test_coop_pages import order


async def test_ask_to_cancel_a_printed_order_once_then_withdraw(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world, "30")
    page = f"/portal/orders/{batch}"
    action = f"{page}/cancellation-request"
    assert (await web.get(f"{page}/print", params={"format": "csv"})).status_code == 200

    empty = await post_form(web, page, action, {"reason": "   "})
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.text
    too_long = await post_form(web, page, action, {"reason": "x" * 5000})
    assert too_long.status_code == 422
    hostile = "  In sai tên <script>alert(1)</script>  "
    sent = await post_form(web, page, action, {"reason": hostile}, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"].endswith("?done=cancellation_requested")
    # The same form sent again (a double click, or back and send): refused, and said why.
    again = await post_form(web, page, action, {"reason": hostile})
    assert again.status_code == 422
    assert "đang chờ cơ quan quản lý xem xét" in again.text
    shown = (await web.get(page)).text
    assert "In sai tên &lt;script&gt;alert(1)&lt;/script&gt;" in shown  # trimmed, escaped
    assert "<script>alert(1)" not in shown
    assert await db.fetchval("SELECT reason FROM stamp_order_cancellations") == hostile.strip()

    withdrawn = await post_form(web, page, f"{action}/withdraw", {}, follow_redirects=False)
    assert withdrawn.headers["location"].endswith("?done=cancellation_withdrawn")
    after = await web.get(page)
    assert f'action="{action}"' in after.text  # it may ask again
    assert await db.fetchval("SELECT status FROM stamp_order_cancellations") == "withdrawn"
    assert await db.fetchval("SELECT cancelled_at FROM stamp_batches WHERE id = $1", batch) is None
