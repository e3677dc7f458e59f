"""In a real browser: a cooperative asks to cancel a printed order (a hostile reason, a
double click), the official approves it, and the cooperative then sees it cancelled."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pyotp
import pytest
from playwright.async_api import Browser, Page

from tests.portal.test_browser import _check, _serve, _sign_in, browser
from traceability.accounts.demo import DEMO_PEOPLE, DEMO_TOTP_SECRET
from traceability.accounts.repository import Principal
from traceability.db.pool import init_connection
from traceability.demo import seed_registry, seed_stamps
from traceability.settings import Settings
from traceability.stamping import service as stamping
from traceability.stamping.schemas import StampBatchOrder

__all__ = ["browser"]

pytestmark = pytest.mark.browser

HOSTILE = "In sai tên <script>alert(1)</script>"


class World:
    base: str
    batch_id: int


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    """The demo, and an order of the demo cooperative whose print files were downloaded."""
    found = World()

    async def seed() -> None:
        conn = await asyncpg.connect(settings.database_url)
        await init_connection(conn)
        try:
            registry = await seed_registry(conn)
            await seed_stamps(conn, settings, registry)
            coop = registry.cooperatives["cam_sanh"]
            kid = await conn.fetchval("SELECT key_id FROM stamp_batches ORDER BY id DESC LIMIT 1")
            staff = Principal(key_id=None, name="HTX", role="cooperative", cooperative_id=coop)
            batch, _ = await stamping.order_batch(
                conn, staff, settings, kid,
                StampBatchOrder(product_id=registry.products["cam_sanh"], quantity=120,
                                cooperative_id=coop),
                "browser-printed",
            )  # fmt: skip
            await stamping.mark_downloaded(conn, batch)
            found.batch_id = batch.id
        finally:
            await conn.close()

    asyncio.run(seed())
    for base in _serve(settings, lambda app: app):
        found.base = base
        yield found


async def _page(browser: Browser, width: int) -> Page:
    context = await browser.new_context(
        viewport={"width": width, "height": 800}, locale="vi-VN", bypass_csp=True
    )
    return await context.new_page()


async def _official(page: Page, base: str) -> None:
    """The demo official with this step's code: this test's database has seen none yet (the
    shared step counter of the portal's browser tests is theirs: taking from it here pushed
    their later codes out of the drift window)."""
    person = next(p for p in DEMO_PEOPLE if p.role == "authority")
    await page.goto(f"{base}/portal/login")
    await page.fill("#f-login", person.login)
    await page.fill("#f-password", person.password)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    await page.fill("#f-code", pyotp.TOTP(DEMO_TOTP_SECRET).now())
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    assert page.url == f"{base}/portal/", page.url


async def test_a_cooperative_asks_the_official_approves_the_order_is_cancelled(
    world: World, browser: Browser
) -> None:
    problems: list[str] = []
    dialogs: list[str] = []
    order = f"{world.base}/portal/orders/{world.batch_id}"
    coop = await _page(browser, 360)
    coop.on("dialog", lambda d: dialogs.append(d.message))
    await _sign_in(coop, world.base, "cooperative")
    await coop.goto(order)
    await coop.fill("#f-reason", HOSTILE)
    await coop.dblclick("#cancel-request button[type=submit]")  # a double tap
    await coop.wait_for_url(f"{order}?*")
    await coop.reload()
    panel = coop.locator("#cancel-request")
    assert "đang chờ tỉnh xem xét" in await panel.inner_text()
    assert HOSTILE in await panel.inner_text()  # shown as text, never run
    await _check(coop, "cancellation-requested", 360, problems)

    official = await _page(browser, 1280)
    await _official(official, world.base)
    await official.goto(f"{world.base}/portal/subsidy")
    requests = official.locator("#cancellations ~ table").first
    assert HOSTILE in await requests.inner_text()
    await _check(official, "cancellation-overview", 1280, problems)
    async with official.expect_navigation():
        await official.click(f"a[href='/portal/subsidy/orders/{world.batch_id}#cancellation']")
    await _check(official, "cancellation-decide", 1280, problems)
    async with official.expect_navigation():
        await official.click("#cancellation form button.danger")
    assert "Đơn đã bị hủy và tem đã bị thu hồi" in await official.locator("main").inner_text()
    await official.go_back()
    await official.reload()  # back and refresh: nothing to decide any more
    assert await official.locator("#cancellation").count() == 0

    await coop.goto(order)
    text = await coop.locator("main").inner_text()
    assert "Đã hủy" in text
    assert "Tỉnh đã chấp thuận yêu cầu" in text
    assert await coop.locator("#cancel-request").count() == 0
    await _check(coop, "cancellation-approved", 360, problems)
    assert dialogs == []
    assert problems == []
