"""The demo seed: realistic, valid and idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker
from tests.registry.conftest import counts
from traceability.db.pool import create_pool
from traceability.demo import seed, seed_registry
from traceability.settings import Settings

pytestmark = pytest.mark.anyio


async def test_demo_seed_is_idempotent_and_realistic(
    settings: Settings, client: AsyncTestClient[Any], make_key: KeyMaker, db: Any
) -> None:
    pool = await create_pool(settings.database_url or "", min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            links = await seed(conn, settings)
            first = await counts(db)
            again = await seed_registry(conn)
    finally:
        await pool.close()
    assert await counts(db) == first, "a second run created records"
    # Every printed link opens in a browser without a key; only the forged stamp is 404.
    statuses = [(await client.get(link, follow_redirects=False)).status_code for link in links]
    assert all(status in (200, 307) for status in statuses[:-1]), dict(
        zip(links, statuses, strict=True)
    )
    assert statuses[-1] == 404
    assert sum("/s/" in link for link in links) == 5
    assert set(again.products) == {"cam_sanh", "che_shan_tuyet", "mat_ong_bac_ha"}

    districts = {r["district"] for r in await db.fetch("SELECT district FROM cooperatives")}
    assert {"Bắc Quang", "Hoàng Su Phì", "Mèo Vạc"} <= districts
    assert first["cooperatives"] >= 3

    retailer = await make_key("retailer")
    origin = (
        await client.get(
            f"/api/v1/products/{again.products['cam_sanh']}/origin",
            params={"lot_id": again.lots["cam_sanh"]},
            headers=retailer,
        )
    ).json()
    assert origin["name_vi"] == "Cam sành Hà Giang"
    assert origin["gtin"].startswith("0893")
    assert origin["ocop_stars"] == 4
    assert origin["cooperative"]["commune"] == "Vĩnh Hảo"
    assert origin["planting_area"]["code"] == "VN-HG-BQ-VH-001-24"
    assert [e["kind"] for e in origin["timeline"]] == [
        "harvest", "processing", "packing", "shipping",
    ]  # fmt: skip
    assert {listing["platform"] for listing in origin["listings"]} == {"voso", "postmart"}
    audit_actors = {r["actor_role"] for r in await db.fetch("SELECT actor_role FROM audit_log")}
    # The registry is written as the authority; the demo chain's delivery by its clerk.
    assert audit_actors == {"authority", "retailer"}


async def test_the_demo_chain_received_cam_sanh_once(settings: Settings, db: Any) -> None:
    """The retailer's deliveries and the lot's timeline open on a delivery in the demo, recorded
    through the receiving service: every stamp checked genuine, none added by a second start."""
    pool = await create_pool(settings.database_url or "", min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await seed(conn, settings)
            await seed(conn, settings)
    finally:
        await pool.close()
    delivery = await db.fetchrow(
        "SELECT d.id, s.name AS store, c.name AS chain, d.activated, d.invalid, d.revoked,"
        " d.purchase_order, d.received_at < now() - interval '1 day' AS days_ago"
        " FROM deliveries d JOIN stores s ON s.id = d.store_id JOIN chains c ON c.id = d.chain_id"
    )
    assert delivery is not None
    assert await db.fetchval("SELECT count(*) FROM deliveries") == 1
    assert (delivery["store"], delivery["chain"]) == ("Kho tổng Cầu Giấy", "Siêu thị Demo")
    assert (delivery["activated"], delivery["invalid"], delivery["revoked"]) == (12, 0, 0)
    assert delivery["purchase_order"] == "PO-2026-1128"
    assert delivery["days_ago"]
    lots = await db.fetch(
        "SELECT DISTINCT l.code FROM delivery_stamps ds JOIN lots l ON l.id = ds.lot_id"
        " WHERE ds.delivery_id = $1",
        delivery["id"],
    )
    assert [r["code"] for r in lots] == [
        await db.fetchval(
            "SELECT l.code FROM lots l JOIN products p ON p.id = l.product_id"
            " WHERE p.name_vi = 'Cam sành Hà Giang' ORDER BY l.harvested_on DESC LIMIT 1"
        )
    ]
