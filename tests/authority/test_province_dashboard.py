"""The authority's home: the province at a glance, from the daily rollups (the day totals in
``scan_days``, products, countries and places in ``scan_daily``/``scan_daily_places``)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.authority.conftest import sign_in_official
from tests.authority.rollups import add_scans
from tests.world import Registry
from traceability.accounts.demo import DEMO_TOTP_SECRET
from traceability.app import create_app
from traceability.settings import Settings


async def test_the_province_at_a_glance(
    official: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    await add_scans(db, registry.cooperative_id, registry.product_id)
    page = await official.get("/portal/")
    assert page.status_code == 200
    text = page.text
    assert "Tổng quan toàn tỉnh" in text
    assert "<svg" in text  # the scans-per-day chart, drawn on the server
    assert "46 lượt quét trong 90 ngày qua; ngày nhiều nhất có 30 lượt." in text
    assert "Cam sành Hà Giang" in text  # per product
    assert "HTX Anh Tài" in text  # per cooperative
    assert "Nhật Bản" in text  # per country, named in the reader's language
    assert "22,8° N, 104,9° E" in text  # shared places: a list without a tile server
    assert 'id="scan-map"' not in text
    assert "leaflet" not in text
    assert "/portal/cases" in text
    assert "/portal/subsidy" in text


async def test_a_tile_server_adds_the_map_above_the_list(
    settings: Settings,
    registry: Registry,
    db: asyncpg.Connection,
    make_user: Any,
) -> None:
    await add_scans(db, registry.cooperative_id, registry.product_id)
    account = await make_user("authority", name="Trần Văn Bình")
    await db.execute(
        "UPDATE users SET totp_secret = $2 WHERE id = $1", account.id, DEMO_TOTP_SECRET
    )
    tiles = "https://tiles.example.vn/{z}/{x}/{y}.png"
    app = create_app(replace(settings, map_tile_url=tiles, map_tile_attribution="© OSM"))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as online:
        await sign_in_official(online, account)
        page = await online.get("/portal/")
    assert f'data-tiles="{tiles}"' in page.text
    assert "vendor/leaflet/leaflet.js" in page.text
    assert "22,8° N, 104,9° E" in page.text  # the list stays: the map may fail to load
