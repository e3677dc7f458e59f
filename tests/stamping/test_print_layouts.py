"""Print files through the API: the label stock choice, PINs only for batches that have them."""

from __future__ import annotations

import csv
import io
from typing import Any

import asyncpg
import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image

from stamps import issue_many, scratch_pin, verify
from stamps.layouts import STOCKS, custom_grid
from stamps.render import LabelText
from stamps.sheets import SheetLayout, iter_png_pages
from tests.conftest import PUBLIC_URL, assert_problem
from tests.scanning.helpers import ring_of
from tests.world import Registry, order
from traceability.runtime import runtime_of

QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _download(batch: dict[str, Any]) -> str:
    return f"/api/v1/stamp-batches/{batch['id']}/download"


async def test_label_stocks_are_listed_with_names_and_sizes(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    answer = await client.get("/api/v1/label-stocks", headers=registry.coop)
    assert answer.status_code == 200, answer.text
    stocks = {stock["name"]: stock for stock in answer.json()}
    assert set(stocks) >= {"a4-70x37", "a4-63.5x38.1", "a4-52.5x29.7", "a4-35x35"}
    l7160 = stocks["a4-63.5x38.1"]
    assert l7160["label_mm"] == [63.5, 38.1]
    assert (l7160["columns"], l7160["rows"], l7160["per_page"]) == (3, 7, 21)
    assert l7160["page_mm"] == [210, 297]
    assert l7160["gap_mm"] == [2.5, 0]
    assert l7160["margin_mm"] == [7.25, 15.15]
    assert l7160["title"] == "A4, 21 nhãn 63.5 × 38.1 mm (3 × 7)"
    assert [name for name, stock in stocks.items() if stock["default"]] == ["a4-35x35"]
    assert_problem(await client.get("/api/v1/label-stocks", headers=registry.retailer), 403)


async def test_a_stock_by_name_lays_out_the_pages(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 30, lot_id=registry.lot_id)
    url = _download(batch)
    page = await client.get(
        url, params={"format": "png", "page": 1, "stock": "a4-70x37"}, headers=registry.coop
    )
    assert page.status_code == 200, page.text
    assert page.headers["x-page-count"] == "2"  # 24 labels a sheet
    image = Image.open(io.BytesIO(page.content))
    serials = sorted(
        verify(r.text, ring_of(client)).serial
        for r in zxingcpp.read_barcodes(image, formats=QR_ONLY)
    )
    assert serials == list(range(batch["first_serial"], batch["first_serial"] + 24))
    # Exactly the library's rendering of this batch: its lot, its PINs, its stock.
    secret: bytes = runtime_of(client.app).keys.pin_secret
    expected = next(
        iter_png_pages(
            issue_many(range(batch["first_serial"], batch["last_serial"] + 1), ring_of(client)),
            SheetLayout(STOCKS["a4-70x37"]),
            PUBLIC_URL,
            LabelText("Cam sành Hà Giang", "HTX Anh Tài", "CS-2024-11"),
            secret,
            workers=1,
            last_serial=batch["last_serial"],
        )
    )
    assert page.content == expected
    pdf = await client.get(url, params={"stock": "a4-52.5x29.7"}, headers=registry.coop)
    assert pdf.content.count(b"/Type /Page ") == 1  # 40 labels a sheet
    assert b"/MediaBox [0 0 595.276 841.890]" in pdf.content
    audit = await db.fetchval(
        "SELECT after->>'stock' FROM audit_log WHERE action = 'download' ORDER BY id LIMIT 1"
    )
    assert audit == "a4-70x37"


async def test_a_custom_grid_in_millimetres(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 40)
    grid = {"label_mm": "45x30", "grid": "4x9", "gap_mm": "2,5x2", "margin_mm": "10x10"}
    page = await client.get(
        _download(batch), params={"format": "png", "page": 2, **grid}, headers=registry.coop
    )
    assert page.status_code == 200, page.text
    assert page.headers["x-page-count"] == "2"
    assert len(zxingcpp.read_barcodes(Image.open(io.BytesIO(page.content)), formats=QR_ONLY)) == 4
    stock = custom_grid((45, 30), (4, 9), (2.5, 2), (10, 10))
    assert stock.per_page == 36


async def test_layouts_that_cannot_print_are_refused_with_the_reason(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 5)
    url = _download(batch)
    cases = [
        ({"label_mm": "60x30", "grid": "4x9"}, "4 columns of 60 mm take 240 mm"),
        ({"label_mm": "20x20", "grid": "9x12"}, "20 × 20 mm label cannot hold this stamp"),
        ({"stock": "a4-99x99"}, "Unknown stock"),
        ({"stock": "a4-70x37", "grid": "3x8"}, "not both"),
        ({"label_mm": "40x30"}, "needs both label_mm"),
        ({"label_mm": "40 mm", "grid": "4x9"}, "label_mm is width × height"),
    ]
    for params, reason in cases:
        for fmt in ("pdf", "png"):
            body = assert_problem(
                await client.get(url, params={"format": fmt, **params}, headers=registry.coop),
                422,
            )
            assert reason in body["detail"], (params, body)
    assert_problem(await client.get(url, params={"stock": "x" * 41}, headers=registry.coop), 400)


async def test_a_batch_without_pins_never_asks_for_one(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    plain = await order(client, registry.coop, registry.product_id, 3, scratch_pins=False)
    assert plain["scratch_pins"] is False
    with_pins = await order(client, registry.coop, registry.product_id, 3)
    assert with_pins["scratch_pins"] is True
    for batch in (plain, with_pins):
        await client.post(
            "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
        )
    # The print-house CSV: an empty PIN column.
    text = (
        await client.get(_download(plain), params={"format": "csv"}, headers=registry.coop)
    ).text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["serial", "url", "pin"]
    assert {row[2] for row in rows[1:]} == {""}
    secret: bytes = runtime_of(client.app).keys.pin_secret
    paths = {}
    for name, batch in (("plain", plain), ("pins", with_pins)):
        stamp = next(issue_many([batch["first_serial"]], ring_of(client)))
        paths[name] = "/s/" + stamp.code
    page = await client.get(paths["plain"])
    assert page.status_code == 200
    assert "Kiểm tra mã cào" not in page.text
    assert 'action="' + paths["plain"] + '/pin"' not in page.text
    answer = (await client.get(paths["plain"], headers={"Accept": "application/json"})).json()
    assert answer["scratch_pin"] is False
    pin = scratch_pin(secret, plain["first_serial"])
    assert_problem(await client.post(paths["plain"] + "/pin", json={"pin": pin}), 404)
    # A batch with PINs still asks, and takes the right one.
    assert "Kiểm tra mã cào" in (await client.get(paths["pins"])).text
    assert (
        "scratch_pin"
        not in (await client.get(paths["pins"], headers={"Accept": "application/json"})).json()
    )
    checked = await client.post(
        paths["pins"] + "/pin",
        json={"pin": scratch_pin(secret, with_pins["first_serial"])},
        headers={"Accept": "application/json"},
    )
    assert checked.json()["result"] == "verified"


async def test_gs1_stamps_default_to_a_stock_that_carries_them(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(
        client, registry.coop, registry.product_id, 45, stamp_form="gs1-digital-link"
    )
    url = _download(batch)
    page = await client.get(url, params={"format": "png", "page": 1}, headers=registry.coop)
    assert page.status_code == 200, page.text
    # 35 mm labels cannot hold the larger QR and the PIN box: 52.5 x 29.7 mm, 40 a sheet.
    assert page.headers["x-page-count"] == "2"
    texts = [
        r.text
        for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(page.content)), formats=QR_ONLY)
    ]
    assert len(texts) == 40
    assert all("/01/" in text and "?8030=" in text for text in texts)
    refused = assert_problem(
        await client.get(url, params={"stock": "a4-35x35"}, headers=registry.coop), 422
    )
    assert "35 × 35 mm label cannot hold this stamp" in refused["detail"]
    wide = await client.get(
        url, params={"format": "png", "page": 1, "stock": "a4-70x37"}, headers=registry.coop
    )
    assert len(zxingcpp.read_barcodes(Image.open(io.BytesIO(wide.content)), formats=QR_ONLY)) == 24
