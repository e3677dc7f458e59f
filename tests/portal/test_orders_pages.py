"""Ordering, following and cancelling stamp orders in the portal."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import form_token
from tests.portal.coop_world import coop_world, post_form


def idempotency_key(html: str) -> str:
    match = re.search(r'name="idempotency_key" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_order_two_thousand_stamps_once_whatever_the_clicks(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    page = await web.get("/portal/orders")
    assert page.status_code == 200
    fields = {
        "product_id": str(world.product_id),
        "lot_id": str(world.lot_id),
        "quantity": "2.000",  # as a Vietnamese writes two thousand
        "stamp_form": "compact",
        "scratch_pins": "on",
        "idempotency_key": idempotency_key(page.text),
    }
    token = await form_token(web, "/portal/orders")
    first = await web.post(
        "/portal/orders", data={**fields, "csrf_token": token}, follow_redirects=False
    )
    assert first.status_code == 303, first.text
    # A double click, or back and send again: the same order, not a second one.
    second = await web.post(
        "/portal/orders", data={**fields, "csrf_token": token}, follow_redirects=False
    )
    assert second.headers["location"] == first.headers["location"]
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 1
    assert await db.fetchval("SELECT quantity FROM stamp_batches") == 2000
    shown = await web.get(first.headers["location"])
    assert "2.000" in shown.text
    assert "Đã đặt tem" in shown.text or "Ordered" in shown.text
    # The same form changed and sent again is not silently a new order either.
    changed = await web.post(
        "/portal/orders", data={**fields, "quantity": "3.000", "csrf_token": token}
    )
    assert changed.status_code == 422
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 1
    assert idempotency_key(changed.text) != fields["idempotency_key"]


async def test_order_errors_stand_beside_their_fields(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    page = await web.get("/portal/orders")
    answer = await post_form(
        web,
        "/portal/orders",
        "/portal/orders",
        {
            "product_id": str(world.product_id),
            "quantity": "2000000",
            "idempotency_key": idempotency_key(page.text),
        },
    )
    assert answer.status_code == 422
    assert 'id="f-quantity-error"' in answer.text
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0


async def test_cancel_an_order_placed_by_mistake(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    page = await web.get("/portal/orders")
    made = await post_form(
        web,
        "/portal/orders",
        "/portal/orders",
        {
            "product_id": str(world.product_id),
            "quantity": "50000",
            "idempotency_key": idempotency_key(page.text),
        },
        follow_redirects=False,
    )
    order_page = made.headers["location"].split("?")[0]
    cancelled = await post_form(
        web,
        order_page,
        order_page + "/cancel",
        {"reason": "Đặt nhầm <số lượng>"},
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    shown = await web.get(cancelled.headers["location"])
    assert "Đặt nhầm &lt;số lượng&gt;" in shown.text
    assert await db.fetchval("SELECT cancelled_at IS NOT NULL FROM stamp_batches")


async def test_another_cooperatives_order_is_not_found(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, make_key: Any
) -> None:
    mine = await coop_world(web, db, make_user)
    theirs = await coop_world(web, db, make_user, name="HTX Chè Lũng Phìn")
    # The second sign-in replaced the first: sign in as the first cooperative again.
    from tests.portal.conftest import sign_in

    await sign_in(web, mine.staff)
    batch = await db.fetchval(
        "INSERT INTO stamp_batches (cooperative_id, product_id, serials, quantity, key_id,"
        " unit_price_vnd, subsidy_share) VALUES ($1, $2, int8range(1, 11), 10, 'k', 350, 0.6)"
        " RETURNING id",
        theirs.cooperative_id,
        theirs.product_id,
    )
    assert (await web.get(f"/portal/orders/{batch}")).status_code == 404
    token = await form_token(web, "/portal/orders")
    answer = await web.post(f"/portal/orders/{batch}/cancel", data={"csrf_token": token})
    assert answer.status_code == 404
    assert await db.fetchval("SELECT cancelled_at FROM stamp_batches") is None
