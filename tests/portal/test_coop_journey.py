"""The cooperative's whole journey in a real browser (issue 8, "Demo and tests"): sign in →
register a lot → order 2.000 stamps → download the PDF → decode its labels → activate by
uploading a photo of the first and the last label → scan one as a consumer → the dashboard
shows the scan. Every page on the way at 360 px and 1280 px (screenshots kept in
``test-artifacts/portal``), with axe-core finding no serious or critical violation."""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

import zxingcpp
from PIL import Image, ImageFilter
from playwright.async_api import Browser, FilePayload, Page

from tests.portal.test_browser import WIDTHS, _check, _sign_in, browser, portal

QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

__all__ = ["browser", "portal"]  # the fixtures, shared with the page tests

LOT = "E2E-2611"


def pdf_pages(pdf: bytes) -> list[Image.Image]:
    """The label sheets of a print PDF (one 1-bit image per page, as the service writes it)."""
    pages = []
    for match in re.finditer(
        rb"/Width (\d+) /Height (\d+) /ColorSpace /DeviceGray /BitsPerComponent 1 "
        rb"/Filter /FlateDecode /Length (\d+) >>\nstream\n",
        pdf,
    ):
        width, height, length = (int(g) for g in match.groups())
        raw = zlib.decompress(pdf[match.end() : match.end() + length])
        pages.append(Image.frombytes("1", (width, height), raw))
    return pages


def photo_of(page: Image.Image, code: Any) -> bytes:
    """A phone's photo of one label: cropped around its QR, a little tilted and soft."""
    xs = [p.x for p in (code.position.top_left, code.position.bottom_right)]
    ys = [p.y for p in (code.position.top_left, code.position.bottom_right)]
    margin = 120
    box = (min(xs) - margin, min(ys) - margin, max(xs) + margin, max(ys) + margin)
    label = page.convert("L").crop(box).rotate(5, expand=True, fillcolor=170)
    soft = label.filter(ImageFilter.GaussianBlur(1.0)).convert("RGB")
    out = io.BytesIO()
    soft.save(out, "JPEG", quality=82)
    return out.getvalue()


async def both_widths(page: Page, name: str, problems: list[str]) -> None:
    """Screenshot and axe-check the page as it is, at the phone's and the PC's width."""
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 800})
        await _check(page, f"journey-{name}", width, problems)
    await page.set_viewport_size({"width": 1280, "height": 800})


async def test_sign_in_lot_order_print_activate_by_photo_scan_dashboard(
    portal: str, browser: Browser
) -> None:
    problems: list[str] = []
    errors: list[str] = []
    context = await browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="vi-VN",
        accept_downloads=True,
        bypass_csp=True,  # for axe-core's injected script only (the pages run under the CSP
        # in test_browser's strict-policy test)
    )
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _sign_in(page, portal, "cooperative")

    # The registry: products (one open), planting areas.
    await page.goto(portal + "/portal/products")
    async with page.expect_navigation():
        await page.click("table.responsive a")
    await both_widths(page, "product", problems)
    await page.goto(portal + "/portal/planting-areas")
    await both_widths(page, "planting-areas", problems)

    # Register a lot, typed the Vietnamese way.
    await page.goto(portal + "/portal/lots")
    await both_widths(page, "lots", problems)
    product = await page.locator("#f-product_id option").first.inner_text()
    await page.fill("#f-code", LOT)
    await page.fill("#f-harvested_on", "28/11/2026")
    await page.fill("#f-quantity", "1.200")
    async with page.expect_navigation():
        await page.click("form[action='/portal/lots'] button[type=submit]")
    assert re.search(r"/portal/lots/\d+", page.url), page.url
    await both_widths(page, "lot", problems)

    # Order 2.000 stamps for it; a double click orders once.
    await page.goto(portal + "/portal/orders")
    await page.select_option("#f-product_id", label=product)
    await page.select_option("#f-lot_id", label=LOT)
    await page.fill("#f-quantity", "2.000")
    await both_widths(page, "orders", problems)
    async with page.expect_navigation():
        await page.dblclick("form[action='/portal/orders'] button[type=submit]")
    assert re.search(r"/portal/orders/\d+", page.url), page.url
    order_url = page.url.split("?")[0]
    await page.goto(portal + "/portal/orders")
    assert await page.locator("tbody tr", has_text="2.000").count() == 1
    await page.goto(order_url)
    await both_widths(page, "order", problems)

    # Download the PDF (the page counts its pages as they arrive), then read its labels.
    async with page.expect_download() as waiting:
        await page.click("button[name=format][value=pdf]")
    download = await waiting.value
    path = await download.path()
    assert path is not None
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    sheets = pdf_pages(pdf)
    assert len(sheets) == 50  # 40 labels of 35 x 35 mm on each A4 sheet
    first_codes = zxingcpp.read_barcodes(sheets[0], formats=QR_ONLY)
    last_codes = zxingcpp.read_barcodes(sheets[-1], formats=QR_ONLY)
    assert len(first_codes) == 40
    assert len(last_codes) == 40

    first = min(first_codes, key=lambda c: (c.position.top_left.y // 50, c.position.top_left.x))
    last = max(last_codes, key=lambda c: (c.position.top_left.y // 50, c.position.top_left.x))
    assert first.text.lower().startswith(portal + "/s/")
    await page.reload()
    await both_widths(page, "order-printed", problems)

    # Activate by photo: the first and the last label, read on the server, confirmed.
    await page.goto(portal + "/portal/activate")
    await page.set_input_files(
        "#f-photo_first",
        files=FilePayload(
            name="IMG_0001.jpg", mimeType="image/jpeg", buffer=photo_of(sheets[0], first)
        ),
    )
    await page.set_input_files(
        "#f-photo_last",
        files=FilePayload(
            name="IMG_0002.jpg", mimeType="image/jpeg", buffer=photo_of(sheets[-1], last)
        ),
    )
    async with page.expect_navigation():
        await page.click("form[action='/portal/activate/photos'] button[type=submit]")
    found = await page.locator(".confirm .range").inner_text()
    assert "2.000 tem" in found, found
    numbers = re.search(r"Số ([\d.]+) đến Số ([\d.]+)", found)
    assert numbers, found
    first_serial = numbers.group(1)
    await both_widths(page, "activate-photo", problems)
    async with page.expect_navigation():
        await page.click(".confirm form button[type=submit]")
    assert "/portal/orders/" in page.url
    assert "2.000" in await page.locator("dl.facts").inner_text()

    # A consumer scans one label with their phone.
    consumer = await browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    phone = await consumer.new_page()
    await phone.goto(first.text)
    assert await phone.locator("body").inner_text()
    await phone.screenshot(path=str(_artifact("journey-consumer-scan-360.png")), full_page=True)
    await consumer.close()

    # The dashboard shows it (the scan log is flushed in the background: wait for it).
    for _ in range(40):
        await page.goto(portal + "/portal/")
        figures = await page.locator(".card .figure").all_inner_texts()
        if figures[2] != "0":
            break
        await page.wait_for_timeout(250)
    assert figures[:2] == ["2.000", "2.000"], figures
    assert figures[2] == "1", figures
    assert await page.locator("svg rect.bar").count() == 1
    await both_widths(page, "dashboard", problems)

    # The stamp's story: looked up as printed, it shows the scan.
    await page.goto(portal + "/portal/stamps")
    await page.fill("#f-serial", f"Số {first_serial}")
    async with page.expect_navigation():
        await page.click("form[action='/portal/stamps'] button[type=submit]")
    assert page.url.endswith("/portal/stamps/" + first_serial.replace(".", ""))
    assert await page.locator("table.responsive tbody tr").count() == 1
    await both_widths(page, "story", problems)
    await context.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)


def _artifact(name: str) -> Any:
    from tests.portal.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
