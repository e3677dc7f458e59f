"""Lots in the portal: register, search, correct, record the timeline, delete; the same
rules as the API, errors beside their fields in Vietnamese."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import sign_in
from tests.portal.coop_world import coop_world, post_form


async def test_register_a_lot_typed_the_vietnamese_way_and_find_it(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    made = await post_form(
        web,
        "/portal/lots",
        "/portal/lots",
        {
            "product_id": str(world.product_id),
            "code": "CS-2026-12",
            "harvested_on": "28/11/2026",
            "quantity": "1.250,5",
            "unit": "kg",
            "expires_on": "28/01/2027",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    row = await db.fetchrow("SELECT * FROM lots WHERE code = 'CS-2026-12'")
    assert str(row["harvested_on"]) == "2026-11-28"
    assert float(row["quantity"]) == 1250.5
    page = await web.get(made.headers["location"])
    assert "1.250,5" in page.text
    assert "28/11/2026" in page.text
    found = await web.get("/portal/lots", params={"q": "cs-2026-12"})
    assert f"/portal/lots/{row['id']}" in found.text
    assert f'/portal/lots/{world.lot_id}"' not in found.text
    by_product = await web.get("/portal/lots", params={"q": "cam sành"})
    assert by_product.text.count('<a href="/portal/lots/') == 2
    # The audit log names the person.
    assert await db.fetchval(
        "SELECT actor_user_id FROM audit_log WHERE entity = 'lot' AND entity_id = $1",
        str(row["id"]),
    )


async def test_lot_errors_stand_beside_their_fields(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    base = {"product_id": str(world.product_id), "unit": "kg", "quantity": "10"}
    for fields, field, words in [
        ({"code": "CS 2026", "harvested_on": "28/11/2026"}, "code", "Tối đa 20"),
        ({"code": "CS-2026-11", "harvested_on": "28/11/2026"}, "code", "đã có lô hàng mang mã này"),
        ({"code": "X1", "harvested_on": "31/02/2026"}, "harvested_on", ""),
        ({"code": "X2", "harvested_on": "28/11/2026", "quantity": "-3"}, "quantity", ""),
        (
            {"code": "X3", "harvested_on": "28/11/2026", "expires_on": "01/11/2026"},
            "expires_on",
            "",
        ),
    ]:
        answer = await post_form(web, "/portal/lots", "/portal/lots", {**base, **fields})
        assert answer.status_code == 422, fields
        assert f'id="f-{field}-error"' in answer.text, (fields, answer.text[-3000:])
        assert words.lower() in answer.text.lower(), fields
    assert await db.fetchval("SELECT count(*) FROM lots") == 1


async def test_record_a_timeline_then_the_lot_cannot_be_deleted(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    page = f"/portal/lots/{world.lot_id}"
    bad = await post_form(
        web,
        page,
        page + "/events",
        {
            "kind": "harvest",
            "day": "20/11/2026",
            "at": "25:00",
            "place": "Vĩnh Hảo",
            "actor": "Tổ 3",
        },
    )
    assert bad.status_code == 422
    assert 'id="f-at-error"' in bad.text
    done = await post_form(
        web,
        page,
        page + "/events",
        {
            "kind": "harvest",
            "day": "20/11/2026",
            "at": "7h30",
            "place": "Xã Vĩnh Hảo <b>",
            "actor": "Tổ hái số 3",
            "notes": "Hái buổi sáng\nTrời nắng",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    event = await db.fetchrow("SELECT * FROM lot_events")
    assert event["occurred_at"].isoformat() == "2026-11-20T00:30:00+00:00"
    assert event["time_zone"] == "Asia/Ho_Chi_Minh"
    shown = await web.get(page)
    assert "20/11/2026 07:30" in shown.text
    assert "Xã Vĩnh Hảo &lt;b&gt;" in shown.text
    assert page + "/delete" not in shown.text
    refused = await post_form(web, page, page + "/delete", {})
    assert refused.status_code == 409
    assert await db.fetchval("SELECT count(*) FROM lots") == 1


async def test_correct_a_lot_and_delete_one_registered_by_mistake(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    page = f"/portal/lots/{world.lot_id}"
    saved = await post_form(
        web,
        page,
        page,
        {"harvested_on": "21/11/2026", "quantity": "1.300", "unit": "t", "expires_on": ""},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    row = await db.fetchrow("SELECT * FROM lots")
    assert (str(row["harvested_on"]), float(row["quantity"]), row["unit"]) == (
        "2026-11-21",
        1300.0,
        "t",
    )
    gone = await post_form(web, page, page + "/delete", {}, follow_redirects=False)
    assert gone.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM lots") == 0


async def test_another_cooperatives_lot_is_not_found_and_unchanged(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    mine = await coop_world(web, db, make_user)
    theirs = await coop_world(web, db, make_user, name="HTX Chè Lũng Phìn")
    await sign_in(web, mine.staff)
    page = f"/portal/lots/{theirs.lot_id}"
    assert (await web.get(page)).status_code == 404
    listing = await web.get("/portal/lots")
    assert not re.search(rf'href="{page}"', listing.text)
    before = await db.fetch("SELECT * FROM lots ORDER BY id")
    for action, fields in [
        (page, {"harvested_on": "01/01/2026", "quantity": "1", "unit": "kg"}),
        (
            page + "/events",
            {"kind": "harvest", "day": "01/01/2026", "at": "7:00", "place": "x", "actor": "y"},
        ),
        (page + "/delete", {}),
    ]:
        answer = await post_form(web, "/portal/lots", action, fields)
        assert answer.status_code == 404, action
    # Nor can a lot be registered on their product.
    answer = await post_form(
        web,
        "/portal/lots",
        "/portal/lots",
        {
            "product_id": str(theirs.product_id),
            "code": "STOLEN",
            "harvested_on": "01/01/2026",
            "quantity": "1",
            "unit": "kg",
        },
    )
    assert answer.status_code in (404, 422)
    assert await db.fetch("SELECT * FROM lots ORDER BY id") == before
    assert await db.fetchval("SELECT count(*) FROM lot_events") == 0
