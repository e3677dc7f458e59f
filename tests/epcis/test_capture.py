"""EPCIS 2.0 capture: own lots only, idempotent by event hash, all or nothing, on the timeline."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL, KeyMaker, assert_problem
from traceability.demo import DemoRegistry
from traceability.epcis.event_hash import document_prefixes, event_hash
from traceability.epcis.schema import schema_errors

GTIN = "08938534000017"
COOP_GLN = "8938534000017"  # a valid GLN-13 for the demo cam sành cooperative
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


async def _lot(db: asyncpg.Connection, demo: DemoRegistry) -> tuple[int, str, date]:
    lot_id = demo.lots["cam_sanh"]
    code, harvested = await db.fetchrow("SELECT code, harvested_on FROM lots WHERE id = $1", lot_id)
    return lot_id, code, harvested


def _when(harvested: date, hours: int) -> str:
    return f"{harvested + timedelta(days=1)}T{hours:02d}:15:00+07:00"


def _document(code: str, harvested: date) -> dict[str, Any]:
    gtin13 = GTIN[1:]
    return {
        "@context": [CONTEXT, {"coop": "https://anhtai.example/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2024-12-01T00:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": _when(harvested, 8),
                    "eventTimeZoneOffset": "+07:00",
                    "quantityList": [
                        {
                            # the lot class as an EPC class URN: 893853 4 00001
                            "epcClass": f"urn:epc:class:lgtin:{gtin13[:7]}.0{gtin13[7:12]}.{code}",
                            "quantity": 120,
                            "uom": "KGM",
                        }
                    ],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "readPoint": {"id": f"https://id.gs1.org/414/{COOP_GLN}"},
                    "coop:truck": "29C-123.45",
                },
                {
                    "type": "ObjectEvent",
                    "eventTime": _when(harvested, 10),
                    "eventTimeZoneOffset": "+07:00",
                    "quantityList": [
                        {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{code}", "quantity": 120}
                    ],
                    "action": "OBSERVE",
                    "bizStep": "storing",
                    "bizLocation": {"id": "urn:epc:id:sgln:8938534.00009.cold-1"},
                },
            ]
        },
    }


async def _capture(
    client: AsyncTestClient[Any], document: Any, headers: dict[str, str], **kwargs: Any
) -> Any:
    return await client.post(
        "/api/v1/epcis/capture",
        json=document,
        headers={**headers, "Content-Type": "application/ld+json"},
        **kwargs,
    )


async def test_capture_puts_events_on_the_lot_timeline_once(
    client: AsyncTestClient[Any], db: asyncpg.Connection, demo: DemoRegistry, make_key: KeyMaker
) -> None:
    lot_id, code, harvested = await _lot(db, demo)
    coop = demo.cooperatives["cam_sanh"]
    await db.execute("UPDATE cooperatives SET gln = $1 WHERE id = $2", COOP_GLN, coop)
    key = await make_key("cooperative", cooperative_id=coop)
    document = _document(code, harvested)
    before = len((await client.get(f"/api/v1/lots/{lot_id}/events", headers=key)).json())

    response = await _capture(client, document, key)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"] == f"/api/v1/epcis/capture/{job['captureID']}"
    assert response.headers["gs1-epcis-version"] == "2.0.0"
    assert (job["success"], job["running"], job["eventCount"], job["newEventCount"]) == (
        True, False, 2, 2,
    )  # fmt: skip
    prefixes = document_prefixes(document)
    hashes = [event_hash(e, prefixes) for e in document["epcisBody"]["eventList"]]
    assert [e["eventHash"] for e in job["events"]] == hashes
    assert all(h.startswith("ni:///sha-256;") and h.endswith("?ver=CBV2.0") for h in hashes)
    assert [e["lotIds"] for e in job["events"]] == [[lot_id], [lot_id]]

    timeline = (await client.get(f"/api/v1/lots/{lot_id}/events", headers=key)).json()
    assert len(timeline) == before + 2
    shipped = next(e for e in timeline if e["kind"] == "shipping")
    assert shipped["place"].startswith("Hợp tác xã Anh Tài")  # the GLN named a known place
    assert shipped["actor"] == "Hợp tác xã Anh Tài"
    assert shipped["local_time"].startswith(f"{harvested + timedelta(days=1)}T08:15:00+07:00")
    stored = next(e for e in timeline if e["kind"] == "storing")
    assert stored["place"] == "GLN 8938534000093 (cold-1)"

    # The same events again, written another way: nothing new, nothing doubled.
    again = copy.deepcopy(document)
    first = again["epcisBody"]["eventList"][0]
    first["eventTime"] = first["eventTime"].replace("08:15:00+07:00", "01:15:00.000Z")
    first["epcisBody"] = None
    del first["epcisBody"]
    again["epcisBody"]["eventList"].reverse()
    repeat = await _capture(client, again, key)
    assert repeat.status_code == 202, repeat.text
    assert repeat.json()["newEventCount"] == 0
    assert {e["eventHash"] for e in repeat.json()["events"]} == set(hashes)
    assert len((await client.get(f"/api/v1/lots/{lot_id}/events", headers=key)).json()) == (
        before + 2
    )
    job_again = await client.get(job_url := response.headers["location"], headers=key)
    assert job_again.status_code == 200
    assert job_again.json()["newEventCount"] == 2
    other_coop = await make_key("cooperative", cooperative_id=demo.cooperatives["mat_ong_bac_ha"])
    assert_problem(await client.get(job_url, headers=other_coop), 404)

    # The lot's public EPCIS export gives the captured events back as sent, still valid.
    exported = (await client.get(f"/api/v1/lots/{lot_id}/epcis")).json()
    assert schema_errors(exported) == []
    events = exported["epcisBody"]["eventList"]
    by_id = {e["eventID"]: e for e in events}
    assert set(hashes) <= set(by_id)
    assert by_id[hashes[0]]["coop:truck"] == "29C-123.45"
    export_prefixes = document_prefixes(exported)
    for hashed in hashes:
        assert event_hash(by_id[hashed], export_prefixes) == hashed


async def test_invalid_documents_are_refused_with_the_schema_errors(
    client: AsyncTestClient[Any], db: asyncpg.Connection, demo: DemoRegistry, make_key: KeyMaker
) -> None:
    _, code, harvested = await _lot(db, demo)
    key = await make_key("cooperative", cooperative_id=demo.cooperatives["cam_sanh"])
    document = _document(code, harvested)
    event = document["epcisBody"]["eventList"][1]
    del event["action"]
    event["eventTime"] = "yesterday"
    body = assert_problem(await _capture(client, document, key), 400)
    assert any(e.startswith("epcisBody/eventList/1/eventTime") for e in body["errors"])
    assert any("action" in e for e in body["errors"])
    assert await db.fetchval("SELECT count(*) FROM epcis_events") == 0

    not_json = await client.post(
        "/api/v1/epcis/capture",
        content=b"{not json",
        headers={**key, "Content-Type": "application/json"},
    )
    assert_problem(not_json, 400)
    wrong_type = await client.post(
        "/api/v1/epcis/capture", content=b"<EPCISDocument/>",
        headers={**key, "Content-Type": "application/xml"},
    )  # fmt: skip
    assert_problem(wrong_type, 415)
    query_document = {**_document(code, harvested), "type": "EPCISQueryDocument"}
    assert_problem(await _capture(client, query_document, key), 400)


async def test_only_ones_own_lots_and_nothing_half_stored(
    client: AsyncTestClient[Any], db: asyncpg.Connection, demo: DemoRegistry, make_key: KeyMaker
) -> None:
    lot_id, code, harvested = await _lot(db, demo)
    other = await make_key("cooperative", cooperative_id=demo.cooperatives["mat_ong_bac_ha"])
    body = assert_problem(await _capture(client, _document(code, harvested), other), 403)
    assert body["errors"] == [
        "eventList/0: names a lot of another cooperative",
        "eventList/1: names a lot of another cooperative",
    ]
    retailer = await make_key("retailer")
    assert_problem(await _capture(client, _document(code, harvested), retailer), 403)

    owner = await make_key("cooperative", cooperative_id=demo.cooperatives["cam_sanh"])
    document = _document(code, harvested)
    stranger = document["epcisBody"]["eventList"][1]
    stranger["quantityList"][0]["epcClass"] = "https://id.gs1.org/01/09506000134352/10/X1"
    body = assert_problem(await _capture(client, document, owner), 422)
    assert body["errors"] == ["eventList/1: names none of your lots (by lot, stamp or carton)"]

    too_early = _document(code, harvested)
    too_early["epcisBody"]["eventList"][0]["eventTime"] = f"{harvested}T00:00:00+08:00"
    body = assert_problem(await _capture(client, too_early, owner), 422)
    assert "before lot" in body["errors"][0]

    forged = _document(code, harvested)
    forged["epcisBody"]["eventList"][0]["eventID"] = "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0"
    body = assert_problem(await _capture(client, forged, owner), 422)
    assert "is not this event's hash" in body["errors"][0]
    # None of the refused documents left a trace.
    assert await db.fetchval("SELECT count(*) FROM epcis_events") == 0
    assert await db.fetchval("SELECT count(*) FROM epcis_captures") == 0
    assert await db.fetchval(
        "SELECT count(*) FROM lot_events WHERE lot_id = $1 AND epcis_event_id IS NOT NULL", lot_id
    ) == 0  # fmt: skip


async def test_stamps_named_as_sgtins_find_their_lot(
    client: AsyncTestClient[Any],
    db: asyncpg.Connection,
    demo: DemoRegistry,
    make_key: KeyMaker,
    authority: dict[str, str],
) -> None:
    lot_id, code, harvested = await _lot(db, demo)
    coop = demo.cooperatives["cam_sanh"]
    batch = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": demo.products["cam_sanh"], "quantity": 5, "cooperative_id": coop},
        headers=authority,
    )
    assert batch.status_code == 201, batch.text
    first = batch.json()["first_serial"]
    activated = await client.post(
        "/api/v1/stamps/activations",
        json={"batch_id": batch.json()["id"], "assign_lot_id": lot_id},
        headers=authority,
    )
    assert activated.status_code == 201, activated.text
    document = _document(code, harvested)
    event = document["epcisBody"]["eventList"][0]
    del event["quantityList"]
    event["epcList"] = [f"{PUBLIC_URL}/01/{GTIN}/21/{first + i}" for i in range(3)]
    key = await make_key("cooperative", cooperative_id=coop)
    response = await _capture(client, {**document, "epcisBody": {"eventList": [event]}}, key)
    assert response.status_code == 202, response.text
    assert response.json()["events"][0]["lotIds"] == [lot_id]


async def test_a_capture_is_decoded_as_strictly_as_every_json_body(
    client: AsyncTestClient[Any], db: asyncpg.Connection, demo: DemoRegistry, make_key: KeyMaker
) -> None:
    """A key twice in one object is refused (the reader and the service would disagree on its
    value), like NaN and deep nesting; a body not labelled JSON is a 415."""
    _, code, harvested = await _lot(db, demo)
    coop = demo.cooperatives["cam_sanh"]
    await db.execute("UPDATE cooperatives SET gln = $1 WHERE id = $2", COOP_GLN, coop)
    key = await make_key("cooperative", cooperative_id=coop)
    headers = {**key, "Content-Type": "application/ld+json"}
    valid = json.dumps(_document(code, harvested))
    twice = valid.replace('"bizStep": "shipping"', '"bizStep": "shipping", "bizStep": "shipping"')
    assert twice != valid
    for raw in (twice, valid.replace("120", "NaN", 1), "[" * 5000 + "]" * 5000):
        answer = await client.post("/api/v1/epcis/capture", content=raw, headers=headers)
        assert_problem(answer, 400)
    assert await db.fetchval("SELECT count(*) FROM epcis_events") == 0
    unlabelled = await client.post("/api/v1/epcis/capture", content=valid, headers=key)
    assert_problem(unlabelled, 415)
    accepted = await client.post("/api/v1/epcis/capture", content=valid, headers=headers)
    assert accepted.status_code == 202, accepted.text
