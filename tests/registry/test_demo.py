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
    assert audit_actors == {"authority"}
