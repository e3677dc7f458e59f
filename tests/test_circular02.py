"""The Circular 02/2024/TT-BKHCN export of a product and of a lot (the demo's records)."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL, assert_problem
from tests.world import demo
from traceability.demo import DemoRegistry

__all__ = ["demo"]  # the fixture

GTIN = "08938534000017"


async def test_a_lots_record_holds_every_field_of_the_circular(
    client: AsyncTestClient[Any], demo: DemoRegistry, db: asyncpg.Connection
) -> None:
    lot_id = demo.lots["cam_sanh"]
    code = await db.fetchval("SELECT code FROM lots WHERE id = $1", lot_id)
    answer = await client.get(f"/api/v1/lots/{lot_id}/circular-02")
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["circular"] == "02/2024/TT-BKHCN"
    product, producer, lot = data["product"], data["producer"], data["lot"]
    assert product["name"] == "Cam sành Hà Giang"
    assert product["trace_code"] == f"{PUBLIC_URL}/01/{GTIN}"
    assert product["brand"] == "Cam sành Anh Tài"
    assert "applied_standards" in product
    assert "images" in product
    assert producer["name"] == "Hợp tác xã Anh Tài"
    assert "Vĩnh Hảo" in producer["address"]
    assert lot["code"] == code
    assert lot["trace_code"] == f"{PUBLIC_URL}/01/{GTIN}/10/{code}"
    assert lot["production_time"]
    assert lot["shelf_life_days"] == 30
    assert len(data["stages"]) >= 3
    harvest = data["stages"][0]
    assert harvest["stage_name"] == "Thu hoạch"
    assert harvest["item_trace_code"] == lot["trace_code"]
    assert harvest["place_trace_code"] == "VN-HG-BQ-VH-001-24"
    assert harvest["time"].endswith("+07:00")

    sheet = await client.get(f"/api/v1/lots/{lot_id}/circular-02?format=csv")
    assert sheet.headers["content-type"] == "text/csv; charset=utf-8"
    assert sheet.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Tên sản phẩm", "Hình ảnh", "Mã truy vết sản phẩm"]
    assert len(rows) == 1 + len(data["stages"])
    assert rows[1][rows[0].index("Mã truy vết địa điểm")] == "VN-HG-BQ-VH-001-24"


async def test_a_products_record_and_bad_requests(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    answer = await client.get(f"/api/v1/products/{demo.products['cam_sanh']}/circular-02")
    assert answer.status_code == 200
    assert answer.json()["lot"] is None
    assert answer.json()["stages"] == []
    sheet = await client.get(f"/api/v1/products/{demo.products['cam_sanh']}/circular-02?format=csv")
    assert len(list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))) == 2
    assert_problem(await client.get("/api/v1/lots/999999/circular-02"), 404)
    assert_problem(await client.get("/api/v1/products/999999/circular-02"), 404)
    bad = await client.get(f"/api/v1/products/{demo.products['cam_sanh']}/circular-02?format=xml")
    assert bad.status_code == 400
