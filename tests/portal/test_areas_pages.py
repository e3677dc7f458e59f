"""Planting areas in the portal: register with the official code, correct, delete while no
lot comes from them; another cooperative's areas are not found."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import sign_in
from tests.portal.coop_world import coop_world, post_form

AREA = {
    "code": "VN-HG-BQ-VH-001-24",
    "crop": "cam sành",
    "name": "Đồi cam thôn Khuổi Hốc",
    "area_ha": "12,5",
    "latitude": "22,49",
    "longitude": "104,84",
}


async def test_register_correct_and_delete_a_planting_area(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    made = await post_form(
        web, "/portal/planting-areas", "/portal/planting-areas", AREA, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    row = await db.fetchrow("SELECT * FROM planting_areas")
    assert (float(row["area_ha"]), row["cooperative_id"]) == (12.5, world.cooperative_id)
    path = made.headers["location"].split("?")[0]
    assert "12,5" in (await web.get(path)).text
    saved = await post_form(
        web, path, path, {**AREA, "latitude": "", "longitude": ""}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    assert await db.fetchval("SELECT latitude FROM planting_areas") is None
    one_sided = await post_form(web, path, path, {**AREA, "longitude": ""})
    assert one_sided.status_code == 422
    bad_code = await post_form(web, path, path, {**AREA, "code": "Vùng 1"})
    assert 'id="f-code-error"' in bad_code.text
    # A lot from the area: it stays.
    await db.execute("UPDATE lots SET planting_area_id = $1", row["id"])
    assert (await post_form(web, path, path + "/delete", {})).status_code == 409
    await db.execute("UPDATE lots SET planting_area_id = NULL")
    gone = await post_form(web, path, path + "/delete", {}, follow_redirects=False)
    assert gone.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM planting_areas") == 0


async def test_another_cooperatives_planting_area_is_not_found_and_unchanged(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    mine = await coop_world(web, db, make_user)
    theirs = await coop_world(web, db, make_user, name="HTX Chè Lũng Phìn")
    made = await post_form(
        web, "/portal/planting-areas", "/portal/planting-areas", AREA, follow_redirects=False
    )
    path = made.headers["location"].split("?")[0]
    await sign_in(web, mine.staff)
    assert theirs.cooperative_id != mine.cooperative_id
    assert (await web.get(path)).status_code == 404
    before = await db.fetch("SELECT * FROM planting_areas")
    for action, fields in [(path, AREA), (path + "/delete", {})]:
        answer = await post_form(web, "/portal/planting-areas", action, fields)
        assert answer.status_code == 404, action
    assert await db.fetch("SELECT * FROM planting_areas") == before
    # Nor can my lot claim to come from it.
    lot = f"/portal/lots/{mine.lot_id}"
    answer = await post_form(
        web,
        lot,
        lot,
        {
            "harvested_on": "20/11/2026",
            "quantity": "1.200",
            "unit": "kg",
            "planting_area_id": str(before[0]["id"]),
        },
    )
    assert answer.status_code in (404, 422)
    assert await db.fetchval("SELECT planting_area_id FROM lots WHERE id = $1", mine.lot_id) is None
