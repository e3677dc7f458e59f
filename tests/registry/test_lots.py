"""Lots, planting areas and supply-chain timelines."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.registry.conftest import counts, created
from tests.world import World

pytestmark = pytest.mark.anyio

LOTS = "/api/v1/lots"
AREAS = "/api/v1/planting-areas"


def lot_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "product_id": world.a.product_id,
        "code": "CS24-NEW",
        "harvested_on": "2024-12-01",
        "quantity": 250.5,
        "unit": "kg",
        **extra,
    }


def event_body(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "processing",
        "occurred_at": "2024-11-21T09:00:00+07:00",
        "place": "Xưởng sơ chế",
        "actor": "Tổ phân loại",
        **extra,
    }


async def test_lot_round_trip(client: AsyncTestClient[Any], world: World) -> None:
    lot = await created(client, LOTS, lot_body(world, expires_on="2024-12-01"), world.a.key)
    assert lot["quantity"] == 250.5
    assert lot["cooperative_id"] == world.a.cooperative_id
    assert (await client.get(f"{LOTS}/{lot['id']}", headers=world.retailer)).json() == lot
    patched = await client.patch(
        f"{LOTS}/{lot['id']}", json={"quantity": 240, "planting_area_id": world.a.area_id},
        headers=world.a.key,
    )  # fmt: skip
    assert patched.json()["quantity"] == 240
    assert patched.json()["planting_area_id"] == world.a.area_id
    assert patched.json()["code"] == "CS24-NEW"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"expires_on": "2024-11-30"}, "expire before"),
        ({"code": "X" * 21}, "code"),
        ({"code": "lô/1"}, "code"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": [12]}, "quantity"),
        ({"unit": "bushel"}, "unit"),
        ({"harvested_on": "01/12/2024"}, "harvested_on"),
    ],
)
async def test_bad_lots_are_refused(
    client: AsyncTestClient[Any],
    world: World,
    db: asyncpg.Connection,
    change: dict[str, Any],
    needle: str,
) -> None:
    before = await counts(db)
    response = await client.post(LOTS, json=lot_body(world, **change), headers=world.a.key)
    assert needle in json.dumps(assert_problem(response, 400), ensure_ascii=False)
    assert await counts(db) == before


async def test_lot_comes_from_its_own_cooperatives_planting_area(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    before = await counts(db)
    foreign = lot_body(world, planting_area_id=world.b.area_id)
    # To A's key B's area does not exist; the authority is told what is wrong.
    assert_problem(await client.post(LOTS, json=foreign, headers=world.a.key), 404)
    body = assert_problem(await client.post(LOTS, json=foreign, headers=world.authority), 422)
    assert "another cooperative" in body["detail"]
    patch = {"planting_area_id": world.b.area_id}
    url = f"{LOTS}/{world.a.lot_id}"
    assert_problem(await client.patch(url, json=patch, headers=world.authority), 422)
    assert_problem(await client.post(LOTS, json=lot_body(world, planting_area_id=999),
                                     headers=world.authority), 404)  # fmt: skip
    assert await counts(db) == before


async def test_duplicate_lot_code_and_patch_dates(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    before = await counts(db)
    dup = lot_body(world, code="CS24-1")
    assert (
        "already has a lot"
        in assert_problem(await client.post(LOTS, json=dup, headers=world.a.key), 409)["detail"]
    )
    url = f"{LOTS}/{world.a.lot_id}"
    response = await client.patch(url, json={"expires_on": "2024-11-01"}, headers=world.a.key)
    assert "expire before" in assert_problem(response, 422)["detail"]
    assert_problem(await client.patch(url, json={"code": "NEW"}, headers=world.a.key), 400)
    assert await counts(db) == before


async def test_timeline_is_ordered_by_when_things_happened(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    url = f"{LOTS}/{world.a.lot_id}/events"
    # Recorded out of order, in another zone: shipping before packing.
    await created(client, url, event_body(kind="shipping", occurred_at="2024-11-22T02:00:00Z"),
                  world.a.key)  # fmt: skip
    packing = await created(
        client, url,
        event_body(kind="packing", occurred_at="2024-11-21T15:00:00-05:00",
                   time_zone="America/New_York"),
        world.a.key,
    )  # fmt: skip
    assert packing["occurred_at"] == "2024-11-21T20:00:00Z"
    assert packing["local_time"] == "2024-11-21T15:00:00-05:00"
    assert packing["time_zone"] == "America/New_York"
    timeline = (await client.get(url, headers=world.retailer)).json()
    assert [e["kind"] for e in timeline] == ["harvest", "packing", "shipping"]
    entry = await db.fetchrow("SELECT * FROM audit_log WHERE entity = 'lot_event' ORDER BY id DESC")
    assert entry["entity_id"] == str(packing["id"])
    recorded_by = await db.fetchval("SELECT recorded_by FROM lot_events WHERE id = $1",
                                    packing["id"])  # fmt: skip
    assert recorded_by == entry["actor_key_id"] is not None


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"occurred_at": "2024-11-21T09:00:00"}, "timezone"),
        ({"occurred_at": "2024-11-21T09:00:00+09:00"}, "time_zone"),
        ({"time_zone": "Mars/Olympus"}, "IANA"),
        ({"time_zone": "../../etc/passwd"}, "IANA"),
        ({"time_zone": "Asia/Tokyo"}, "not that of Asia/Tokyo"),
        ({"kind": "eating"}, "kind"),
        ({"place": ""}, "place"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
async def test_bad_events_are_refused(
    client: AsyncTestClient[Any],
    world: World,
    db: asyncpg.Connection,
    change: dict[str, Any],
    needle: str,
) -> None:
    before = await counts(db)
    response = await client.post(
        f"{LOTS}/{world.a.lot_id}/events", json=event_body(**change), headers=world.a.key
    )
    assert needle in json.dumps(assert_problem(response, 400), ensure_ascii=False)
    assert await counts(db) == before


async def test_retailer_records_receiving_only(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    url = f"{LOTS}/{world.b.lot_id}/events"
    receiving = event_body(kind="receiving", place="Siêu thị Hà Nội", actor="Kho tổng")
    got = await created(client, url, receiving, world.retailer)
    assert got["kind"] == "receiving"
    before = await counts(db)
    for kind in ("harvest", "processing", "packing", "shipping"):
        response = await client.post(url, json=event_body(kind=kind), headers=world.retailer)
        assert_problem(response, 403)
    assert_problem(await client.post(f"{LOTS}/999/events", json=receiving,
                                     headers=world.retailer), 404)  # fmt: skip
    assert await counts(db) == before
    role = await db.fetchval("SELECT actor_role FROM audit_log WHERE entity = 'lot_event' "
                             "ORDER BY id DESC LIMIT 1")  # fmt: skip
    assert role == "retailer"


async def test_lots_with_history_are_not_deleted(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    before = await counts(db)
    assert_problem(await client.delete(f"{LOTS}/{world.a.lot_id}", headers=world.a.key), 409)
    assert_problem(await client.delete(f"{AREAS}/{world.a.area_id}", headers=world.a.key), 409)
    assert await counts(db) == before
    fresh = await created(client, LOTS, lot_body(world), world.a.key)
    assert (await client.delete(f"{LOTS}/{fresh['id']}", headers=world.a.key)).status_code == 204


async def test_planting_area_rules(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    area = await created(
        client, AREAS, {"code": "vn-hg-vx-cb-012-23", "crop": "chè", "area_ha": 0.75},
        world.a.key,
    )  # fmt: skip
    assert area["code"] == "VN-HG-VX-CB-012-23"
    assert area["area_ha"] == 0.75
    assert area["cooperative_id"] == world.a.cooperative_id
    before = await counts(db)
    for bad in ("VN-HG-BQ-VH-001", "HG-BQ-VH-001-24", "VN-HG-BQ-VH-00001-24", "VN_HG_BQ_VH_001_24"):
        response = await client.post(
            AREAS, json={"code": bad, "crop": "cam", "area_ha": 1}, headers=world.a.key
        )
        assert "VN-<province>" in assert_problem(response, 400)["detail"]
    dup = {"code": "VN-HG-BQ-VH-001-24", "crop": "cam", "area_ha": 1}
    assert_problem(await client.post(AREAS, json=dup, headers=world.a.key), 409)
    no_coop = {"code": "VN-HG-BQ-VH-101-24", "crop": "cam", "area_ha": 1}
    assert_problem(await client.post(AREAS, json=no_coop, headers=world.authority), 422)
    assert_problem(await client.post(AREAS, json={**no_coop, "area_ha": 0},
                                     headers=world.a.key), 400)  # fmt: skip
    assert await counts(db) == before
    listed = (await client.get(AREAS, params={"crop": "chè"}, headers=world.a.key)).json()
    assert [a["code"] for a in listed["items"]] == ["VN-HG-VX-CB-012-23"]
    everything = (await client.get(AREAS, headers=world.authority)).json()["items"]
    assert len(everything) == 3
    assert (await client.delete(f"{AREAS}/{area['id']}", headers=world.a.key)).status_code == 204
