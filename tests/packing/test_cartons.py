"""Cartons: stamped items packed under an SSCC, checked, and exported as EPCIS aggregation."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker, assert_problem
from traceability.demo import DemoRegistry
from traceability.epcis.identifiers import check_digit
from traceability.epcis.schema import schema_errors

GTIN = "08938534000017"
COOP_GLN = "8938534000017"


def sscc(reference: int) -> str:
    body = f"38938534{reference:09d}"
    return body + check_digit(body)


async def _stamps_on_lot(
    client: AsyncTestClient[Any], demo: DemoRegistry, authority: dict[str, str], count: int
) -> int:
    """A batch for the cam sành lot, activated on it; its first serial."""
    batch = await client.post(
        "/api/v1/stamp-batches",
        json={
            "product_id": demo.products["cam_sanh"],
            "quantity": count,
            "cooperative_id": demo.cooperatives["cam_sanh"],
        },
        headers=authority,
    )
    assert batch.status_code == 201, batch.text
    activated = await client.post(
        "/api/v1/stamps/activations",
        json={"batch_id": batch.json()["id"], "assign_lot_id": demo.lots["cam_sanh"]},
        headers=authority,
    )
    assert activated.status_code == 201, activated.text
    first: int = batch.json()["first_serial"]
    return first


async def _events(client: AsyncTestClient[Any], lot_id: int) -> list[dict[str, Any]]:
    document = (await client.get(f"/api/v1/lots/{lot_id}/epcis")).json()
    assert schema_errors(document) == []
    events: list[dict[str, Any]] = document["epcisBody"]["eventList"]
    return events


async def test_packing_checks_and_exports_aggregation(
    client: AsyncTestClient[Any],
    db: asyncpg.Connection,
    demo: DemoRegistry,
    make_key: KeyMaker,
    authority: dict[str, str],
) -> None:
    lot_id = demo.lots["cam_sanh"]
    coop = demo.cooperatives["cam_sanh"]
    await db.execute("UPDATE cooperatives SET gln = $1 WHERE id = $2", COOP_GLN, coop)
    first = await _stamps_on_lot(client, demo, authority, 10)
    key = await make_key("cooperative", cooperative_id=coop)
    carton = {
        "sscc": sscc(1),
        "packed_at": "2030-01-01T00:00:00+07:00",
        "contents": [{"first_serial": first, "last_serial": first + 2}],
    }
    assert (
        "future"
        in assert_problem(await client.post("/api/v1/cartons", json=carton, headers=key), 422)[
            "detail"
        ]
    )
    del carton["packed_at"]
    created = await client.post("/api/v1/cartons", json=carton, headers=key)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["sscc"], body["count"], body["cooperative_id"]) == (sscc(1), 3, coop)
    assert body["contents"][0]["lot_id"] == lot_id

    # A stamp is in one carton at a time; an SSCC names one carton.
    again = {"sscc": sscc(2), "contents": [{"first_serial": first + 2, "last_serial": first + 4}]}
    assert (
        "already packed"
        in assert_problem(await client.post("/api/v1/cartons", json=again, headers=key), 409)[
            "detail"
        ]
    )
    same_sscc = {
        "sscc": sscc(1),
        "contents": [{"first_serial": first + 5, "last_serial": first + 5}],
    }
    assert_problem(await client.post("/api/v1/cartons", json=same_sscc, headers=key), 409)
    bad_check_digit = {**again, "sscc": sscc(2)[:-1] + str((int(sscc(2)[-1]) + 1) % 10)}
    assert_problem(await client.post("/api/v1/cartons", json=bad_check_digit, headers=key), 400)
    other = await make_key("cooperative", cooperative_id=demo.cooperatives["mat_ong_bac_ha"])
    assert_problem(await client.post("/api/v1/cartons", json=again, headers=other), 404)

    # A receiving dock looks the carton up by its SSCC.
    retailer = await make_key("retailer")
    found = await client.get(f"/api/v1/cartons/sscc/{sscc(1)}", headers=retailer)
    assert found.status_code == 200, found.text
    assert found.json()["contents"] == body["contents"]
    assert_problem(await client.get(f"/api/v1/cartons/sscc/{sscc(9)}", headers=retailer), 404)
    assert_problem(await client.get("/api/v1/cartons/sscc/12345", headers=retailer), 404)

    packed = [e for e in await _events(client, lot_id) if e["type"] == "AggregationEvent"]
    assert len(packed) == 1
    assert packed[0]["parentID"] == f"https://id.gs1.org/00/{sscc(1)}"
    assert (packed[0]["action"], packed[0]["bizStep"]) == ("ADD", "packing")
    assert packed[0]["childEPCs"] == [
        f"https://id.gs1.org/01/{GTIN}/21/{serial}" for serial in range(first, first + 3)
    ]
    assert packed[0]["bizLocation"] == {"id": f"https://id.gs1.org/414/{COOP_GLN}"}

    # Unpacked, the stamps may go into another carton; the export shows both steps.
    unpacked = await client.post(f"/api/v1/cartons/{body['id']}/unpack", json={}, headers=key)
    assert unpacked.status_code == 200, unpacked.text
    assert unpacked.json()["unpacked_at"] is not None
    assert_problem(
        await client.post(f"/api/v1/cartons/{body['id']}/unpack", json={}, headers=key), 422
    )
    repacked = await client.post("/api/v1/cartons", json=again, headers=key)
    assert repacked.status_code == 201, repacked.text
    actions = sorted(
        (e["parentID"][-18:], e["action"])
        for e in await _events(client, lot_id)
        if e["type"] == "AggregationEvent"
    )
    assert actions == [(sscc(1), "ADD"), (sscc(1), "DELETE"), (sscc(2), "ADD")]


async def test_stamps_without_a_lot_cannot_be_packed(
    client: AsyncTestClient[Any],
    demo: DemoRegistry,
    make_key: KeyMaker,
    authority: dict[str, str],
) -> None:
    coop = demo.cooperatives["cam_sanh"]
    batch = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": demo.products["cam_sanh"], "quantity": 4, "cooperative_id": coop},
        headers=authority,
    )
    first = batch.json()["first_serial"]
    key = await make_key("cooperative", cooperative_id=coop)
    carton = {"sscc": sscc(3), "contents": [{"first_serial": first, "last_serial": first + 1}]}
    detail = assert_problem(await client.post("/api/v1/cartons", json=carton, headers=key), 422)
    assert "no lot" in detail["detail"]
    beyond = {"sscc": sscc(3), "contents": [{"first_serial": first, "last_serial": first + 9}]}
    assert_problem(await client.post("/api/v1/cartons", json=beyond, headers=key), 422)


async def test_places_with_a_gln_are_exported_as_sglns(
    client: AsyncTestClient[Any], db: asyncpg.Connection, demo: DemoRegistry, make_key: KeyMaker
) -> None:
    lot_id = demo.lots["cam_sanh"]
    coop = demo.cooperatives["cam_sanh"]
    area_gln = "8938534000024"
    key = await make_key("cooperative", cooperative_id=coop)
    area = demo.planting_areas["cam_sanh"]
    patched = await client.patch(
        f"/api/v1/planting-areas/{area}", json={"gln": area_gln}, headers=key
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["gln"] == area_gln
    harvested = await db.fetchval("SELECT harvested_on FROM lots WHERE id = $1", lot_id)
    store_gln = "8938534000031"
    recorded = await client.post(
        f"/api/v1/lots/{lot_id}/events",
        json={
            "kind": "storing",
            "occurred_at": f"{harvested}T18:00:00+07:00",
            "place": "Kho lạnh Vĩnh Hảo",
            "actor": "HTX Anh Tài",
            "place_gln": store_gln,
        },
        headers=key,
    )
    assert recorded.status_code == 201, recorded.text
    events = await _events(client, lot_id)
    harvest = next(e for e in events if e.get("hg:step") == "harvest")
    assert harvest["readPoint"] == {"id": f"https://id.gs1.org/414/{area_gln}"}
    stored = next(e for e in events if e.get("hg:step") == "storing")
    assert stored["bizLocation"] == {"id": f"https://id.gs1.org/414/{store_gln}"}
    assert stored["bizStep"] == "storing"
    bad = await client.patch(
        f"/api/v1/planting-areas/{area}", json={"gln": "8938534000025"}, headers=key
    )
    assert "check digit" in assert_problem(bad, 422)["detail"]
