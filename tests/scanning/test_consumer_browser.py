"""Consumer pages in Playwright on the system's Chromium: hostile links run nothing, and the
page works (and looks right) with and without JavaScript at phone and desktop width."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Dialog, Page, async_playwright

from stamps import issue
from tests.world import Registry
from traceability.runtime import runtime_of

pytestmark = pytest.mark.browser

PAYLOADS = [
    # The reported one: the raw path went into an href unescaped.
    "/s/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E",
    "/S/%27%3E%3Csvg%20onload%3Dalert(2)%3E",
    "/s/%22%3E%3Cscript%3Ealert(3)%3C%2Fscript%3E",
    "/s/javascript:alert(4)",
    "/s/%3C%2Ftitle%3E%3Cscript%3Ealert(5)%3C%2Fscript%3E/report",
    "/s/1%22%20autofocus%20onfocus%3Dalert(6)%20x%3D%22?lang=en",
]


@pytest.fixture
async def browser(chromium: str) -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        launched = await p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        await launched.close()


def _keep(shot: Path) -> None:
    if keep := os.environ.get("SCREENSHOT_DIR"):
        shutil.copy(shot, Path(keep) / shot.name)


async def _dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        seen.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    return seen


async def test_hostile_links_run_no_script(
    server: tuple[str, Any], browser: Browser, tmp_path: Path
) -> None:
    base, _ = server
    page = await browser.new_page(viewport={"width": 360, "height": 800})
    seen = await _dialogs(page)
    # The harness sees a script that runs: the same payload, unescaped, raises a dialog.
    await page.set_content('<a href=""><img src=x onerror=alert(1)></a>')
    await page.wait_for_timeout(300)
    assert seen == ["1"], "the browser harness did not notice a script running"
    seen.clear()
    for target in PAYLOADS:
        answer = await page.goto(base + target)
        assert answer is not None
        assert answer.status in (404, 405), target
        await page.wait_for_load_state("load")
        await page.wait_for_timeout(200)
        assert seen == [], (target, seen)
        assert await page.query_selector("img[src='x'], svg, body script") is None, target
        if answer.headers["content-type"].startswith("text/html"):
            assert "script-src 'self'" in answer.headers["content-security-policy"]
    await page.screenshot(path=tmp_path / "hostile-link-360.png", full_page=True)
    _keep(tmp_path / "hostile-link-360.png")


async def _genuine_url(base: str, app: Any, registry: Registry) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        batch = (
            await http.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 10, "lot_id": registry.lot_id},
                headers=registry.coop,
            )
        ).json()
        activated = await http.post(
            "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
        )
        assert activated.status_code == 201
    return f"{base}/s/{issue(batch['first_serial'], runtime_of(app).keys.ring).code}"


async def test_share_location_needs_javascript_and_pages_fit_phone_and_desktop(
    server: tuple[str, Any], browser: Browser, registry: Registry, tmp_path: Path
) -> None:
    base, app = server
    url = await _genuine_url(base, app, registry)
    errors: list[str] = []
    without_js = await browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}
    )
    page = await without_js.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(url)
    assert await page.is_hidden("#loc")
    assert await page.is_visible("h1")
    await without_js.close()
    for lang in ("vi", "en"):
        for width in (360, 1280):
            context = await browser.new_context(viewport={"width": width, "height": 900})
            page = await context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            await page.goto(f"{url}?lang={lang}")
            await page.wait_for_load_state("load")
            assert await page.is_visible("#loc")  # the served script showed it
            # Nothing sticks out sideways at phone width (the GTIN and the serial do not wrap).
            overflow = await page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (lang, width, overflow)
            shot = tmp_path / f"genuine-{lang}-{width}.png"
            await page.screenshot(path=shot, full_page=True)
            _keep(shot)
            lines = await page.locator("dd.nw").first.evaluate(
                "d => { const r = document.createRange(); r.selectNodeContents(d);"
                " return r.getClientRects().length }"
            )
            assert lines == 1, "the GTIN wrapped"
            await context.close()
    # No CSP violation, no script error (the product photo's host is unreachable here).
    assert [e for e in errors if "ERR_NAME_NOT_RESOLVED" not in e] == []


async def test_report_a_fake_without_javascript(
    server: tuple[str, Any], browser: Browser, registry: Registry, tmp_path: Path
) -> None:
    """The form works with scripts off, photo and all; then the thanks, then back."""
    from tests.reports.test_reports import photo_with_metadata

    base, app = server
    forged = f"{base}/s/{'4' * 177}"
    photo = tmp_path / "tem.jpg"
    photo.write_bytes(photo_with_metadata())
    for width in (360, 1280):
        context = await browser.new_context(
            java_script_enabled=False, viewport={"width": width, "height": 900}, locale="vi-VN"
        )
        page = await context.new_page()
        await page.goto(forged)
        shot = tmp_path / f"forged-{width}.png"
        await page.screenshot(path=shot, full_page=True)
        _keep(shot)
        await page.fill("#problem", 'Tem dán lại, chữ in mờ "><b>x</b>')
        await page.fill("#where", "Chợ Hà Giang")
        await page.fill("#phone", "0912 345 678")
        await page.set_input_files("#photo", str(photo))
        await page.click("button[type=submit]")
        await page.wait_for_load_state("load")
        assert "/report?sent=" in page.url
        assert await page.inner_text("h1") == "Cảm ơn bạn đã báo cáo"
        shot = tmp_path / f"report-sent-{width}.png"
        await page.screenshot(path=shot, full_page=True)
        _keep(shot)
        await page.reload()  # a refresh shows the thanks again, it sends nothing
        await page.go_back()
        await context.close()

    # A recalled lot and a counterfeit stamp, as a phone shows them.
    url = await _genuine_url(base, app, registry)
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await http.post(
            f"/api/v1/lots/{registry.lot_id}/recall",
            json={"reason": "Phát hiện dư lượng thuốc bảo vệ thực vật vượt ngưỡng"},
            headers=registry.coop,
        )
    context = await browser.new_context(viewport={"width": 360, "height": 900}, locale="vi-VN")
    page = await context.new_page()
    await page.goto(url)
    assert await page.inner_text("#recall h1") == "Sản phẩm bị thu hồi"
    shot = tmp_path / "recalled-360.png"
    await page.screenshot(path=shot, full_page=True)
    _keep(shot)
    await context.close()
