from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from stamps import issue, scratch_pin
from tests.conftest import assert_problem
from tests.scanning.helpers import FromNetwork, active_batch, app_path, path, scan_json
from tests.world import Registry
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.settings import CloneRules, Settings


def pin_of(client: AsyncTestClient[Any], serial: int) -> str:
    secret: bytes = runtime_of(client.app).keys.pin_secret
    return scratch_pin(secret, serial)


async def test_pin_first_then_repeated(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    serial = batch["first_serial"] + 1
    url = path(client, serial)
    page = await client.get(url)
    assert f'action="{url}/pin"' in page.text  # a plain form: works without JavaScript
    first = await client.post(url + "/pin", data={"pin": pin_of(client, serial)})
    assert first.status_code == 200
    assert "Mã cào đúng" in first.text
    again = await client.post(
        url + "/pin", data={"pin": pin_of(client, serial).replace("-", " "), "lang": "en"}
    )
    assert again.status_code == 200
    assert "already verified on" in again.text
    assert "may be a copy" in again.text
    # One charset, and the switch to Vietnamese leads to the stamp's page in Vietnamese.
    assert again.headers["content-type"] == "text/html; charset=utf-8"
    assert f'<a href="{url}?lang=vi" hreflang="vi" lang="vi">Tiếng Việt</a>' in again.text
    assert f'href="{url}?lang=en">Back to the product page' in again.text
    as_json = await client.post(
        url + "/pin", json={"pin": pin_of(client, serial)}, headers={"Accept": "application/json"}
    )
    assert as_json.json()["result"] == "already_verified"
    assert await db.fetchval(
        "SELECT pin_verified_at IS NOT NULL FROM stamps WHERE serial = $1", serial
    )
    # Scans after the PIN was used are counted: a clone signal.
    await client.get(url)
    assert await db.fetchval("SELECT scans_after_pin FROM stamps WHERE serial = $1", serial) == 1


async def test_wrong_pins_lock_the_stamp(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    settings = replace(settings, pin_max_failures_per_stamp=3, pin_max_failures_per_client=100)
    async with AsyncTestClient(app=create_app(settings)) as client:
        batch = await active_batch(client, registry)
        serial = batch["first_serial"]
        url = path(client, serial) + "/pin"
        wrong = "0000-0000-00" if pin_of(client, serial) != "0000-0000-00" else "1111-1111-11"
        statuses = []
        for _ in range(3):
            answer = await client.post(
                url, json={"pin": wrong}, headers={"Accept": "application/json"}
            )
            statuses.append(answer.status_code)
        assert statuses == [422, 422, 429]
        assert_problem(
            await client.post(
                url, json={"pin": pin_of(client, serial)}, headers={"Accept": "application/json"}
            ),
            429,
        )
        # People get a page that says what happened, not an error document.
        page = await client.post(url, data={"pin": pin_of(client, serial)})
        assert page.status_code == 429
        assert "sai quá nhiều lần" in page.text
        assert (
            await db.fetchval("SELECT pin_verified_at FROM stamps WHERE serial = $1", serial)
            is None
        )
        # Other stamps are not locked by this one.
        other = batch["first_serial"] + 1
        ok = await client.post(path(client, other) + "/pin", data={"pin": pin_of(client, other)})
        assert ok.status_code == 200


async def test_wrong_pins_lock_the_client_across_stamps(
    settings: Settings, registry: Registry
) -> None:
    settings = replace(settings, pin_max_failures_per_stamp=100, pin_max_failures_per_client=4)
    service = create_app(settings)
    app = FromNetwork(service, "198.51.100.23")
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        statuses = []
        for i in range(5):
            serial = batch["first_serial"] + i
            answer = await client.post(
                "/s/" + issue(serial, runtime_of(service).keys.ring).code + "/pin",
                json={"pin": "9999999999"},
                headers={"Accept": "application/json"},
            )
            statuses.append(answer.status_code)
        assert statuses == [422, 422, 422, 429, 429]
        # Another network is not locked out.
        app.address = "203.113.131.7"
        serial = batch["first_serial"] + 9
        answer = await client.post(
            "/s/" + issue(serial, runtime_of(service).keys.ring).code + "/pin",
            data={"pin": scratch_pin(runtime_of(service).keys.pin_secret, serial)},
        )
        assert answer.status_code == 200


async def test_clone_rules_mark_a_stamp_suspicious(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    """Browsers on several networks: the evidence that does flip a stamp, and what is kept."""
    rules = CloneRules(max_scans=4, max_places=10, far_km=150, far_hours=6, min_hours=0)
    app = FromNetwork(create_app(replace(settings, clone_rules=rules)), "14.160.0.1")
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        many = app_path(app, batch["first_serial"])
        verdicts = []
        for i in range(6):
            app.address = f"14.{160 + i % 3}.0.1"  # three Vietnamese networks
            client.cookies.clear()  # six browsers
            verdicts.append((await scan_json(client, many))["verdict"])
        assert verdicts == [
            "genuine_first",
            "genuine",
            "genuine",
            "genuine",
            "suspicious",
            "suspicious",
        ]
        client.cookies.clear()
        page = await client.get(many)
        assert "Cảnh báo: tem đáng ngờ" in page.text
        assert "quét 7 lần" in page.text

        far = app_path(app, batch["first_serial"] + 1)
        for i, (lat, lon) in enumerate((("22.82", "104.98"), (None, None), ("21.03", "105.85"))):
            app.address = f"113.{160 + i}.0.1"
            client.cookies.clear()
            answer = await scan_json(client, far, **({"lat": lat, "lon": lon} if lat else {}))
        assert answer["verdict"] == "suspicious"
        assert answer["reason"].startswith("seen ")
        assert "km apart" in answer["reason"]

        near = app_path(app, batch["first_serial"] + 2)
        for i, (lat, lon) in enumerate((("22.82", "104.98"), ("22.9", "105.0"), ("22.8", "105"))):
            app.address = f"27.{64 + i}.0.1"
            client.cookies.clear()
            answer = await scan_json(client, near, lat=lat, lon=lon)
        assert answer["verdict"] == "genuine"

        listed = await client.get("/api/v1/stamps/suspicious", headers=registry.coop)
        assert listed.status_code == 200
        items = listed.json()["items"]
        # Newest first: the authority's queue.
        assert [s["serial"] for s in items] == [batch["first_serial"] + 1, batch["first_serial"]]
        assert [s["rule"] for s in items] == ["far_apart", "crowd"]
        assert [(s["sessions"], s["networks"]) for s in items] == [(3, 3), (5, 3)]
        theirs = await client.get("/api/v1/stamps/suspicious", headers=registry.other_coop)
        assert theirs.json()["items"] == []
    row = await db.fetchrow(
        "SELECT suspicious_rule, suspicious_evidence FROM stamps WHERE serial = $1",
        batch["first_serial"] + 1,
    )
    # What the case view shows: each session's time, country and shared place.
    witnesses = row["suspicious_evidence"]["witnesses"]
    assert [w["c"] for w in witnesses] == ["VN", "VN", "VN"]
    assert [(w.get("la"), w.get("lo")) for w in witnesses] == [
        (22.8, 105.0),
        (None, None),
        (21.0, 105.8),
    ]
    assert await db.fetchval("SELECT count(*) FROM stamps WHERE suspicious_at IS NOT NULL") == 2


async def test_a_store_that_received_the_stamp_is_an_expected_place(
    settings: Settings, registry: Registry
) -> None:
    """Scans at the store a delivery went to are no evidence of a copy; elsewhere they are."""
    from tests.deliveries.test_deliveries import _store

    rules = CloneRules(max_scans=25, max_places=10, far_km=150, far_hours=6, min_hours=0)
    app = FromNetwork(create_app(replace(settings, clone_rules=rules)), "14.160.0.1")
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        delivered, other = batch["first_serial"], batch["first_serial"] + 1
        store = await _store(client, registry.retailer, latitude=21.03, longitude=105.85)
        recorded = await client.post(
            "/api/v1/deliveries",
            json={
                "store_id": store,
                "cooperative_id": registry.cooperative_id,
                "codes": [app_path(app, delivered).removeprefix("/s/")],
            },
            headers=registry.retailer,
        )
        assert recorded.status_code == 201, recorded.text
        verdicts = {}
        for serial in (delivered, other):
            url = app_path(app, serial)
            # Checked at the farm in Hà Giang, then scanned by shoppers in Hà Nội within hours.
            for i, (lat, lon) in enumerate(
                (("22.82", "104.98"), ("21.0", "105.8"), ("21.0", "105.9"))
            ):
                app.address = f"113.{160 + i}.0.1"
                client.cookies.clear()
                verdicts[serial] = (await scan_json(client, url, lat=lat, lon=lon))["verdict"]
        assert verdicts == {delivered: "genuine", other: "suspicious"}
