"""Receiving at the dock and recorded deliveries: one classification with bulk verify, each
stamp counted once, never a consumer scan, and private to the chain, the authority and the
cooperatives whose goods a delivery holds."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from stamps import KeyRing, issue
from tests.conftest import PUBLIC_URL, KeyMaker, assert_problem
from tests.scanning.helpers import active_batch, stamp
from tests.world import Registry, order

STORE = {"name": "Kho Cầu Giấy", "province": "Hà Nội", "commune": "Phường Cầu Giấy"}


async def _store(client: AsyncTestClient[Any], key: dict[str, str], **extra: Any) -> int:
    chain = (await client.get("/api/v1/api-keys/me", headers=key)).json()["chain_id"]
    made = await client.post(f"/api/v1/chains/{chain}/stores", json={**STORE, **extra}, headers=key)
    assert made.status_code == 201, made.text
    store_id: int = made.json()["id"]
    return store_id


async def _mixed_codes(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> list[str]:
    """A delivery as a scanner typed it: duplicates, a blank line, garbage, a forgery."""
    batch = await active_batch(client, registry)
    first = batch["first_serial"]
    inactive = await order(client, registry.coop, registry.product_id, 5)
    await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": first + 1, "last_serial": first + 1, "reason": "Hỏng tem"},
        headers=registry.coop,
    )
    await db.execute(
        "INSERT INTO stamps (serial, batch_id, suspicious_at, suspicious_rule, suspicious_reason)"
        " VALUES ($1, $2, now(), 'far_apart', 'seen 1150 km apart within 1.0 h')",
        first + 2,
        batch["id"],
    )
    good = stamp(client, first).code
    return [
        good,
        stamp(client, first + 3).code,
        good,  # scanned twice
        "",
        stamp(client, first + 3).url(PUBLIC_URL),  # the same stamp as its URL
        stamp(client, first + 1).code,  # revoked
        stamp(client, inactive["first_serial"]).code,  # never activated
        stamp(client, first + 2).code,  # suspicious
        issue(7, KeyRing.generate()).code,  # forged: another key
        "<script>alert(1)</script>",
        "   ",
    ]


async def test_receiving_counts_each_stamp_once_and_is_never_a_scan(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    codes = await _mixed_codes(client, registry, db)
    answer = await client.post(
        "/api/v1/deliveries/check", json={"codes": codes}, headers=registry.retailer
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["by_status"] == {
        "activated": 2,
        "not_activated": 1,
        "revoked": 1,
        "suspicious": 1,
        "invalid": 2,
    }
    assert body["duplicates"] == 2
    assert body["blank"] == 2
    assert len(body["lines"]) == 7
    first = body["lines"][0]["stamp"]
    assert first["product_name"]
    assert first["lot_code"]
    assert first["cooperative_name"]
    assert first["expires_on"]
    # The retailer's check is no consumer scan: no scan row, no counter, no rollup.
    assert await db.fetchval("SELECT count(*) FROM scans") == 0
    assert await db.fetchval("SELECT coalesce(sum(scan_count), 0) FROM stamps") == 0
    assert await db.fetchval("SELECT coalesce(sum(scans), 0) FROM scan_daily") == 0

    empty = await client.post(
        "/api/v1/deliveries/check", json={"codes": ["", " "]}, headers=registry.retailer
    )
    assert_problem(empty, 422)
    # Only a chain receives.
    assert_problem(
        await client.post("/api/v1/deliveries/check", json={"codes": codes}, headers=registry.coop),
        403,
    )


async def _tables(db: asyncpg.Connection) -> list[Any]:
    return [
        [tuple(r.values()) for r in await db.fetch(f"SELECT * FROM {t}")]
        for t in ("deliveries", "delivery_stamps", "audit_log")
    ]


async def test_a_delivery_is_private_to_its_chain_cooperatives_and_the_authority(
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
    make_key: KeyMaker,
    authority: dict[str, str],
) -> None:
    codes = await _mixed_codes(client, registry, db)
    store = await _store(client, registry.retailer)
    recorded = await client.post(
        "/api/v1/deliveries",
        json={
            "store_id": store,
            "cooperative_id": registry.cooperative_id,
            "purchase_order": "PO-2026/118",
            "received_at": "2026-11-20T07:30:00+07:00",
            "notes": "Thùng 3 bị móp.\nĐã kiểm.",
            "codes": codes,
        },
        headers=registry.retailer,
    )
    assert recorded.status_code == 201, recorded.text
    delivery = recorded.json()
    assert delivery["store_name"] == "Kho Cầu Giấy"
    assert delivery["by_status"]["activated"] == 2
    assert delivery["lots"][0]["lot_id"] == registry.lot_id
    assert delivery["lots"][0]["stamps"] == 4  # two active, revoked, suspicious
    assert await db.fetchval("SELECT count(*) FROM delivery_stamps") == 5
    assert await db.fetchval("SELECT count(*) FROM scans") == 0
    path = f"/api/v1/deliveries/{delivery['id']}"

    other_chain = await make_key("retailer", name="Chuỗi khác")
    for reader, sees in (
        (registry.retailer, True),
        (registry.coop, True),
        (authority, True),
        (other_chain, False),
        (registry.other_coop, False),
    ):
        one = await client.get(path, headers=reader)
        listed = (await client.get("/api/v1/deliveries", headers=reader)).json()["items"]
        by_lot = await client.get(f"/api/v1/deliveries?lot_id={registry.lot_id}", headers=reader)
        if sees:
            assert one.status_code == 200, one.text
            assert [d["id"] for d in listed] == [delivery["id"]]
            assert [d["id"] for d in by_lot.json()["items"]] == [delivery["id"]]
        else:
            assert_problem(one, 404)
            assert listed == []
            assert by_lot.json()["items"] == []

    # Another chain cannot record at this chain's store; nothing is written.
    before = await _tables(db)
    theirs = await client.post(
        "/api/v1/deliveries",
        json={"store_id": store, "cooperative_id": registry.cooperative_id, "codes": codes},
        headers=other_chain,
    )
    assert_problem(theirs, 404)
    for year, status in ((2150, 422), (2999, 400)):
        # A time to come is refused by the rule; one outside 1900-2199 already at the edge.
        future = await client.post(
            "/api/v1/deliveries",
            json={
                "store_id": store,
                "cooperative_id": registry.cooperative_id,
                "codes": codes,
                "received_at": f"{year}-01-01T00:00:00+07:00",
            },
            headers=registry.retailer,
        )
        assert "received_at" in str(assert_problem(future, status))
    assert await _tables(db) == before


async def test_more_than_ten_thousand_distinct_codes_are_refused_whole(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    many = [f"{i:080d}" for i in range(10_001)]
    answer = await client.post(
        "/api/v1/deliveries/check", json={"codes": many}, headers=registry.retailer
    )
    assert_problem(answer, 400)  # the body's own limit, before any work
    almost = many[:10_000] + many[:5]  # duplicates do not count against the limit
    checked = await client.post(
        "/api/v1/deliveries/check",
        json={"codes": almost[:9_000] + almost[-5:]},
        headers=registry.retailer,
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["duplicates"] == 5
    assert checked.json()["by_status"]["invalid"] == 9_000
