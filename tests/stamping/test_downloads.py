from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from typing import Any

import asyncpg
import zxingcpp
from litestar.testing import AsyncTestClient
from PIL import Image

from stamps import KeyRing, scratch_pin, verify
from tests.conftest import PUBLIC_URL, assert_problem
from tests.scanning.helpers import ring_of
from tests.world import Registry, order
from traceability.runtime import runtime_of

QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def local_path(url: str) -> str:
    """The path of a printed stamp URL (https://HOST/S/<code>)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


async def test_order_print_png_scan_shows_the_product(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 45, lot_id=registry.lot_id)
    await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    url = f"/api/v1/stamp-batches/{batch['id']}/download"
    page = await client.get(url, params={"format": "png", "page": 2}, headers=registry.coop)
    assert page.status_code == 200, page.text
    assert page.headers["content-type"] == "image/png"
    assert page.headers["x-stamp-count"] == "5"
    assert page.headers["x-page-count"] == "2"
    image = Image.open(io.BytesIO(page.content))
    found = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    assert len(found) == 5
    texts = sorted(b.text for b in found)
    serials = sorted(verify(t, ring_of(client)).serial for t in texts)
    assert serials == list(range(batch["first_serial"] + 40, batch["last_serial"] + 1))
    assert all(t.startswith("https://TEM.HAGIANG.GOV.VN/S/") for t in texts)
    scanned = await client.get(local_path(texts[0]))
    assert scanned.status_code == 200
    assert "Cam sành Hà Giang" in scanned.text
    assert "Hàng chính hãng" in scanned.text
    assert_problem(
        await client.get(url, params={"format": "png", "page": 3}, headers=registry.coop), 404
    )
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'download'") == 1


async def test_pdf_and_zip_of_png_pages(client: AsyncTestClient[Any], registry: Registry) -> None:
    batch = await order(client, registry.coop, registry.product_id, 41)
    url = f"/api/v1/stamp-batches/{batch['id']}/download"
    pdf = await client.get(url, params={"format": "pdf"}, headers=registry.coop)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.6")
    assert pdf.content.rstrip().endswith(b"%%EOF")
    assert pdf.content.count(b"/Type /Page ") == 2
    archive = await client.get(url, params={"format": "png"}, headers=registry.coop)
    assert archive.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(archive.content)) as pages:
        names = pages.namelist()
        assert names == ["page-00001.png", "page-00002.png"]
        last = Image.open(io.BytesIO(pages.read(names[1])))
        assert len(zxingcpp.read_barcodes(last, formats=QR_ONLY)) == 1


async def test_print_house_csv_has_urls_and_pins(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 2500)
    answer = await client.get(
        f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", headers=authority
    )
    assert answer.status_code == 200
    assert answer.headers["x-stamp-count"] == "2500"
    lines = answer.text.strip().split("\r\n")
    assert lines[0] == "serial,url,pin"
    assert len(lines) == 2501
    secret: bytes = runtime_of(client.app).keys.pin_secret
    for line in (lines[1], lines[-1]):
        serial, url, pin = line.split(",")
        assert url.startswith(PUBLIC_URL.replace("tem.hagiang.gov.vn", "TEM.HAGIANG.GOV.VN"))
        assert verify(url, ring_of(client)).serial == int(serial)
        assert pin == scratch_pin(secret, int(serial))
    assert int(lines[1].split(",")[0]) == batch["first_serial"]
    assert int(lines[-1].split(",")[0]) == batch["last_serial"]
    assert_problem(
        await client.get(
            f"/api/v1/stamp-batches/{batch['id']}/download?format=doc", headers=authority
        ),
        422,
    )
    assert_problem(
        await client.get(
            f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", headers=registry.retailer
        ),
        403,  # a retailer can never download print files: its role, not the batch
    )


async def test_a_batch_whose_key_this_server_lacks_is_an_error_before_any_byte(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 20)
    runtime = runtime_of(client.app)
    held = runtime.keys
    # As on an instance that has not (yet) loaded the key that signed the batch.
    runtime.keys = replace(held, ring=KeyRing.generate())
    try:
        for fmt in ("csv", "pdf", "png"):
            answer = await client.get(
                f"/api/v1/stamp-batches/{batch['id']}/download",
                params={"format": fmt},
                headers=registry.coop,
            )
            body = assert_problem(answer, 503)
            assert batch["key_id"] in body["detail"]
            assert answer.headers["retry-after"]
    finally:
        runtime.keys = held
    # Not handed out, so not on record as handed out.
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'download'") == 0


async def test_a_batch_of_a_revoked_key_is_not_printed_again(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 20)
    runtime = runtime_of(client.app)
    ring = KeyRing(runtime.keys.ring.entries())
    ring.rotate()
    ring.revoke(batch["key_id"])
    runtime.keys = replace(runtime.keys, ring=ring)
    answer = await client.get(
        f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", headers=registry.coop
    )
    assert "revoked" in assert_problem(answer, 409)["detail"]
