from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from stamps import KeyRing, issue, verify
from tests.conftest import PUBLIC_URL, assert_problem
from tests.scanning.helpers import active_batch, ring_of, stamp
from tests.world import Registry, order


async def test_bulk_verify_mixed_codes(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    inactive = await order(client, registry.coop, registry.product_id, 5)
    first = batch["first_serial"]
    await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": first + 1, "last_serial": first + 1, "reason": "Hỏng tem"},
        headers=registry.coop,
    )
    # A cloned stamp: the clone rules marked it suspicious.
    await db.execute(
        "INSERT INTO stamps (serial, batch_id, suspicious_at, suspicious_rule, suspicious_reason)"
        " VALUES ($1, $2, now(), 'far_apart', 'seen 1150 km apart within 1.0 h')",
        first + 2,
        batch["id"],
    )
    good = stamp(client, first).code
    codes = [
        good,
        stamp(client, first + 1).url(PUBLIC_URL),
        stamp(client, inactive["first_serial"]).code,
        good[:-1] + str((int(good[-1]) + 1) % 10),
        "hello",
        issue(7, KeyRing.generate()).code,
        stamp(client, inactive["last_serial"] + 500).code,
        stamp(client, first + 2).code,
    ]
    answer = await client.post("/api/v1/verify", json={"codes": codes}, headers=registry.retailer)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = body["items"]
    assert body["by_status"] == {
        "activated": 1,
        "not_activated": 1,
        "revoked": 1,
        "suspicious": 1,
        "invalid": 4,
    }
    assert sum(body["by_status"].values()) == len(codes)
    assert [item["status"] for item in items] == [
        "activated",
        "revoked",
        "not_activated",
        *["invalid"] * 4,
        "suspicious",
    ]
    assert (body["valid"], body["invalid"]) == (4, 4)
    assert items[0]["status"] == "activated"
    assert items[0]["gtin"] == items[0]["gtin"]
    assert items[0]["product_name"] == "Cam sành Hà Giang"
    assert items[0]["lot_code"] == "CS-2024-11"
    assert items[0]["cooperative_name"] == "HTX Anh Tài"
    assert items[1]["status"] == "revoked"
    assert items[1]["revocation_reason"] == "Hỏng tem"
    assert items[2]["status"] == "not_activated"
    assert "lot_code" not in items[2]
    assert [i.get("reason") for i in items[3:7]] == [
        "bad_signature",
        "malformed",
        "unknown_key",
        "unknown_serial",
    ]


async def test_bulk_verify_limits(client: AsyncTestClient[Any], registry: Registry) -> None:
    assert_problem(await client.post("/api/v1/verify", json={"codes": ["1"]}), 401)
    too_many = await client.post(
        "/api/v1/verify", json={"codes": ["1"] * 10_001}, headers=registry.retailer
    )
    assert_problem(too_many, 413)
    at_limit = await client.post(
        "/api/v1/verify", json={"codes": ["1"] * 10_000}, headers=registry.retailer
    )
    assert at_limit.status_code == 200
    assert at_limit.json()["invalid"] == 10_000
    assert at_limit.json()["by_status"]["invalid"] == 10_000


async def test_a_stamp_of_a_revoked_key_counts_as_revoked(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    code = stamp(client, batch["first_serial"]).code
    ring = ring_of(client)
    ring.revoke(ring.current_kid)
    answer = await client.post("/api/v1/verify", json={"codes": [code]}, headers=registry.retailer)
    (item,) = answer.json()["items"]
    assert (item["status"], item["reason"]) == ("revoked", "revoked_key")
    assert answer.json()["by_status"]["revoked"] == 1


async def test_statuses_and_reasons_are_documented(client: AsyncTestClient[Any]) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    text = json.dumps(schema["components"]["schemas"])
    for word in (
        "not_activated",
        "suspicious",
        "unknown_serial",
        "bad_signature",
        "revoked_key",
        "malformed",
        "unknown_key",
    ):
        assert f"`{word}`:" in text, word


async def test_jwks_verifies_stamps_offline(
    client: AsyncTestClient[Any], registry: Registry, tmp_path: Any
) -> None:
    answer = await client.get(
        "/.well-known/jwks.json", headers={"Origin": "https://sieuthi.example"}
    )
    assert answer.status_code == 200
    assert "max-age" in answer.headers["cache-control"]
    assert answer.headers["access-control-allow-origin"] == "*"
    etag = answer.headers["etag"]
    again = await client.get("/.well-known/jwks.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    jwks = answer.json()
    assert all("d" not in key for key in jwks["keys"])
    offline = KeyRing.from_jwks(jwks)
    batch = await active_batch(client, registry)
    printed = stamp(client, batch["first_serial"]).url(PUBLIC_URL)
    assert verify(printed, offline).serial == batch["first_serial"]
    assert ring_of(client).current_kid in offline.kids
    # The stamps command line verifies with the same file, offline.
    keys = tmp_path / "jwks.json"
    keys.write_text(json.dumps(jwks))
    run = subprocess.run(  # noqa: ASYNC221 - a short offline CLI run
        [sys.executable, "-m", "stamps", "verify", "--keys", str(keys), printed],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    forged = printed[:-1] + str((int(printed[-1]) + 1) % 10)
    run = subprocess.run(  # noqa: ASYNC221 - a short offline CLI run
        [sys.executable, "-m", "stamps", "verify", "--keys", str(keys), forged],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode != 0
