"""The authority onboards cooperatives with their first person, and suspends them."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker, assert_problem
from tests.portal.conftest import Account, sign_in
from tests.scanning.helpers import path, scan_json
from tests.world import Registry, order

NEW = {
    "cooperative": {
        "name": "HTX Mật ong bạc hà Mèo Vạc",
        "tax_code": "5100777888",
        "commune": "Mèo Vạc",
        "district": "Mèo Vạc",
        "phone": "0219 3871 234",
    },
    "first_user": {"login": "0912 345 678", "display_name": "Vàng Thị Mai"},
}


async def test_onboarding_creates_the_cooperative_and_its_first_person(
    client: AsyncTestClient[Any], authority: dict[str, str], db: asyncpg.Connection
) -> None:
    answer = await client.post("/api/v1/cooperatives/onboarding", json=NEW, headers=authority)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["cooperative"]["name"] == "HTX Mật ong bạc hà Mèo Vạc"
    assert body["user"]["login"] == "0912345678"
    assert body["user"]["cooperative_id"] == body["cooperative"]["id"]
    assert body["user"]["password_is_temporary"] is True
    assert len(body["one_time_password"]) >= 10
    # A taken login leaves no cooperative behind; a taken tax code no person.
    again = {**NEW, "cooperative": {**NEW["cooperative"], "tax_code": "5100777889"}}
    assert_problem(
        await client.post("/api/v1/cooperatives/onboarding", json=again, headers=authority), 409
    )
    other_login = {**NEW, "first_user": {"login": "mai@example.vn", "display_name": "Mai"}}
    assert_problem(
        await client.post("/api/v1/cooperatives/onboarding", json=other_login, headers=authority),
        409,
    )
    assert await db.fetchval("SELECT count(*) FROM cooperatives") == 1
    assert await db.fetchval("SELECT count(*) FROM users") == 1


async def test_only_the_authority_onboards(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    before = await db.fetchval("SELECT count(*) FROM cooperatives")
    assert_problem(
        await client.post("/api/v1/cooperatives/onboarding", json=NEW, headers=registry.coop), 403
    )
    assert await db.fetchval("SELECT count(*) FROM cooperatives") == before


async def test_a_suspended_cooperatives_keys_and_people_stop_working_its_stamps_verify(
    client: AsyncTestClient[Any],
    web: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    make_user: Any,
    make_key: KeyMaker,
    db: asyncpg.Connection,
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 5)
    await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    person: Account = await make_user("cooperative", cooperative_id=registry.cooperative_id)
    assert (await sign_in(web, person)).status_code == 303
    assert (await web.get("/portal/")).status_code == 200

    url = f"/api/v1/cooperatives/{registry.cooperative_id}/suspension"
    assert_problem(await client.post(url, json={"reason": "x"}, headers=registry.coop), 403)
    assert_problem(await client.post(url, json={"reason": " "}, headers=authority), 400)
    suspended = await client.post(
        url, json={"reason": "Chưa nộp phần kinh phí 40 %"}, headers=authority
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspension_reason"] == "Chưa nộp phần kinh phí 40 %"
    assert_problem(await client.post(url, json={"reason": "lần hai"}, headers=authority), 409)

    refused = await client.get("/api/v1/stamp-batches", headers=registry.coop)
    assert "suspended" in assert_problem(refused, 401)["detail"]
    # The person is out at the next request, and cannot sign in again.
    assert (await web.get("/portal/", follow_redirects=False)).status_code in (302, 303)
    assert (await sign_in(web, person)).status_code != 303
    # Consumers still get a genuine verdict for the cooperative's stamps.
    scan = await scan_json(client, path(client, batch["first_serial"]))
    assert scan["verdict"].startswith("genuine"), scan
    # Another cooperative is untouched.
    assert (
        await client.get("/api/v1/stamp-batches", headers=registry.other_coop)
    ).status_code == 200

    lifted = await client.delete(url, headers=authority)
    assert lifted.status_code == 200
    assert lifted.json()["suspended_at"] is None
    assert (await client.get("/api/v1/stamp-batches", headers=registry.coop)).status_code == 200
    assert (await sign_in(web, person)).status_code == 303
    actions = await db.fetch(
        "SELECT action FROM audit_log WHERE entity = 'cooperative' AND entity_id = $1 ORDER BY id",
        str(registry.cooperative_id),
    )
    # The world's cooperative was onboarded through the service, hence its 'create'.
    assert [a["action"] for a in actions] == ["create", "suspend", "lift_suspension"]
