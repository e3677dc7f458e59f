"""A clerk at the dock receives a mixed delivery in Chromium, the scanner typing each code
and Enter into the box: the form is not sent by the first Enter, the summary counts each
outcome, the delivery is recorded; axe-core finds nothing serious; screenshots at 360 and
1280 px are kept in ``test-artifacts/portal``."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser, Page

from stamps import KeyRing, issue
from tests.portal.test_browser import ARTIFACTS, WIDTHS, _check, _sign_in, browser, portal
from traceability.db.pool import init_connection
from traceability.demo import seed_registry, seed_stamps
from traceability.settings import Settings
from traceability.signing import load_stamp_keys

pytestmark = pytest.mark.browser

__all__ = ["browser", "portal"]


async def _delivery_codes(settings: Settings) -> list[str]:
    """Demo stamps of every outcome, a duplicate, a forgery and a line of garbage."""
    conn = await asyncpg.connect(settings.database_url)
    await init_connection(conn)
    try:
        await seed_stamps(conn, settings, await seed_registry(conn))
        ring = load_stamp_keys(settings, set()).ring
        revoked = await conn.fetchval("SELECT lower(serials) FROM stamp_revocations LIMIT 1")
        suspicious = await conn.fetchval(
            "SELECT serial FROM stamps WHERE suspicious_at IS NOT NULL"
        )
        active = await conn.fetchval(
            """SELECT lower(b.serials) FROM stamp_batches b
               WHERE EXISTS (SELECT 1 FROM stamp_activations a WHERE a.batch_id = b.id)
               ORDER BY b.id LIMIT 1"""
        )
        waiting = await conn.fetchval(
            """SELECT lower(b.serials) FROM stamp_batches b
               WHERE NOT EXISTS (SELECT 1 FROM stamp_activations a WHERE a.batch_id = b.id)"""
        )
    finally:
        await conn.close()
    good = issue(active, ring).code
    return [
        good,
        issue(active + 10, ring).code,
        good,  # scanned twice
        issue(revoked, ring).code,
        issue(waiting, ring).code,
        issue(suspicious, ring).code,
        issue(7, KeyRing.generate()).code,  # forged
        "xin chào <b>",
    ]


async def _figure(page: Page, status: str) -> str:
    return await page.locator(f'li[data-status="{status}"] .figure').inner_text()


async def test_a_clerk_receives_a_mixed_delivery_typed_by_a_scanner(
    portal: str, browser: Browser, settings: Settings
) -> None:
    codes = await _delivery_codes(settings)
    problems: list[str] = []
    for width in WIDTHS:
        context = await browser.new_context(
            viewport={"width": width, "height": 900}, bypass_csp=True, locale="vi-VN"
        )
        page = await context.new_page()
        await _sign_in(page, portal, "retailer")
        await page.goto(portal + "/portal/receiving")
        await _check(page, "retailer-receiving-empty", width, problems)
        box = page.locator("#f-codes")
        await box.focus()
        for code in codes:
            await page.keyboard.type(code)
            await page.keyboard.press("Enter")  # the scanner's suffix
            # Enter makes a new line: the form is not sent, nothing navigates.
            assert page.url == portal + "/portal/receiving"
        assert (await box.input_value()).count("\n") == len(codes)
        assert await page.locator("[data-scan-count]").inner_text() == f"({len(codes)})"
        async with page.expect_navigation():
            await page.get_by_role("button", name="Kiểm tra tem").click()
        assert [
            await _figure(page, s)
            for s in ("activated", "not_activated", "revoked", "suspicious", "invalid")
        ] == ["2", "1", "1", "1", "2"]
        assert "1 mã được quét nhiều lần" in await page.locator("main").inner_text()
        assert await page.locator("tr.line-activated").count() == 2
        await _check(page, "retailer-receiving-checked", width, problems)

        await page.select_option("#f-store_id", label="Kho tổng Cầu Giấy")
        await page.fill("#f-purchase_order", f"ĐH-{width}")
        async with page.expect_navigation():
            await page.dblclick("text=Ghi nhận lô hàng >> nth=-1")  # a double tap sends once
        assert "/portal/deliveries/" in page.url
        assert await _figure(page, "activated") == "2"
        assert f"ĐH-{width}" in await page.locator("main").inner_text()
        await _check(page, "retailer-delivery", width, problems)
        await page.reload()  # a refresh shows the delivery again, records nothing
        await page.goto(portal + "/portal/deliveries")
        assert await page.locator("tbody tr", has_text=f"ĐH-{width}").count() == 1
        await context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    assert not problems, "\n".join(problems)
