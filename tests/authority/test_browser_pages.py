"""The authority's workspace in a real browser: every page at 360 and 1280 px with axe-core,
an order approved and its statement downloaded (the XLSX opened and added up), and a
suspicious stamp taken to a confirmed counterfeit whose consumer page then says so."""

from __future__ import annotations

import asyncio
import io
import itertools
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import asyncpg
import openpyxl
import pyotp
import pytest
from playwright.async_api import Browser, Page

from tests.authority.rollups import add_scans
from tests.portal.test_browser import WIDTHS, _check, _serve, browser
from tests.subsidy.test_statements import whole
from traceability import clock
from traceability.accounts.demo import DEMO_PEOPLE, DEMO_TOTP_SECRET
from traceability.accounts.repository import Principal
from traceability.db.pool import init_connection
from traceability.demo import seed_registry, seed_stamps
from traceability.settings import Settings
from traceability.stamping import service as stamping
from traceability.stamping.schemas import StampBatchOrder

__all__ = ["browser"]

pytestmark = pytest.mark.browser


class World:
    base: str
    links: list[str]
    waiting_order: int
    copied_serial: int

    def __init__(self) -> None:
        self.steps = itertools.count()


@pytest.fixture
def world(settings: Settings) -> Iterator[World]:
    """The demo registry, people and stamps (one copied label), and an order past a budget
    of nothing, so it waits for the authority; then a real server over it."""
    found = World()

    async def seed() -> None:
        conn = await asyncpg.connect(settings.database_url)
        await init_connection(conn)
        try:
            registry = await seed_registry(conn)
            found.links = await seed_stamps(conn, settings, registry)
            coop = registry.cooperatives["cam_sanh"]
            await conn.execute(
                "INSERT INTO subsidy_budgets (cooperative_id, year, budget_vnd)"
                " VALUES ($1, $2, 0) ON CONFLICT (cooperative_id, year) DO NOTHING",
                coop,
                clock.today().year,
            )
            # The key the demo's orders were signed with (the ring's signing key).
            kid = await conn.fetchval("SELECT key_id FROM stamp_batches ORDER BY id DESC LIMIT 1")
            staff = Principal(key_id=None, name="HTX", role="cooperative", cooperative_id=coop)
            batch, _ = await stamping.order_batch(
                conn,
                staff,
                settings,
                kid,
                StampBatchOrder(
                    product_id=registry.products["cam_sanh"], quantity=4250, cooperative_id=coop
                ),
                "browser-waiting",
            )
            found.waiting_order = batch.id
            await add_scans(conn, coop, registry.products["cam_sanh"])  # the dashboard's charts
            found.copied_serial = await conn.fetchval(
                "SELECT serial FROM stamps WHERE suspicious_at IS NOT NULL LIMIT 1"
            )
        finally:
            await conn.close()

    asyncio.run(seed())
    for base in _serve(settings, lambda app: app):
        found.base = base
        yield found


async def _official(world: World, browser: Browser, width: int = 1280) -> Page:
    """The demo official, signed in with the password and the next unused TOTP code (each
    code is good once; each test has a database of its own, so its own count)."""
    context = await browser.new_context(
        viewport={"width": width, "height": 800},
        locale="vi-VN",
        accept_downloads=True,
        bypass_csp=True,  # axe-core is injected inline; the pages run under the CSP elsewhere
    )
    page = await context.new_page()
    person = next(p for p in DEMO_PEOPLE if p.role == "authority")
    await page.goto(f"{world.base}/portal/login")
    await page.fill("#f-login", person.login)
    await page.fill("#f-password", person.password)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    code = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() + 30 * next(world.steps))
    await page.fill("#f-code", code)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    assert page.url == f"{world.base}/portal/", page.url
    return page


async def test_every_authority_page_at_phone_and_desktop_width_passes_axe(
    world: World, browser: Browser
) -> None:
    year, today = clock.today().year, clock.today().strftime("%d/%m/%Y")
    paths = {
        "authority-home": "/portal/",
        "authority-subsidy": "/portal/subsidy",
        "authority-orders": "/portal/subsidy/orders",
        "authority-order": f"/portal/subsidy/orders/{world.waiting_order}",
        "authority-budgets": "/portal/subsidy/budgets",
        "authority-statement": f"/portal/subsidy/statement?since=01/01/{year}&until={today}",
        "authority-cases": "/portal/cases",
        "authority-case": f"/portal/cases/{world.copied_serial}",
        "authority-reports": "/portal/reports",
        "authority-cooperatives": "/portal/cooperatives",
        "authority-cooperative-new": "/portal/cooperatives/new",
        "authority-cooperative": "/portal/cooperatives/1",
        "authority-keys": "/portal/keys",
    }
    problems: list[str] = []
    errors: list[str] = []
    for width in WIDTHS:
        page = await _official(world, browser, width)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        for name, path in paths.items():
            answer = await page.goto(world.base + path)
            assert answer is not None, path
            assert answer.status == 200, (path, answer.status)
            await _check(page, name, width, problems)
        await page.context.close()
    assert not problems, "\n".join(problems)
    assert not errors, errors


async def test_an_official_approves_an_order_and_downloads_the_statement(
    world: World, browser: Browser, settings: Settings
) -> None:
    page = await _official(world, browser)
    await page.goto(f"{world.base}/portal/subsidy")
    await page.get_by_role("link", name=f"#{world.waiting_order}").click()
    await page.get_by_role("button", name="Phê duyệt đơn").click()
    await page.wait_for_url(f"**/portal/subsidy/orders/{world.waiting_order}?done=order_approved")
    assert await page.get_by_text("Đã phê duyệt đơn").count() >= 1
    # Back and refresh: the browser shows the page again, nothing is approved twice.
    await page.go_back()
    await page.reload()

    today = clock.today()
    await page.goto(f"{world.base}/portal/subsidy/statement")
    await page.fill("#f-since", date(today.year, 1, 1).strftime("%d/%m/%Y"))
    await page.fill("#f-until", today.strftime("%d/%m/%Y"))
    await page.get_by_role("button", name="Xem bảng kê").click()
    await page.wait_for_url("**/portal/subsidy/statement?*")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Tải về cho Excel (.xlsx)").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = await download.path()
    book = openpyxl.load_workbook(io.BytesIO(await asyncio.to_thread(Path(saved).read_bytes)))
    sheet = book.worksheets[0]
    rows = [r for r in sheet.iter_rows(min_row=6, values_only=True) if r[0]]
    total = rows[-1]
    assert total[0] == "Tổng cộng"
    lines = rows[:-1]
    assert any(
        line[0] == world.waiting_order or str(world.waiting_order) in str(line[0]) for line in lines
    ), lines
    # The totals row adds up the lines, and the lines what the orders cost.
    assert total[7] == sum(whole(line[7]) for line in lines)
    conn = await asyncpg.connect(settings.database_url)
    try:
        cost = await conn.fetchval(
            "SELECT sum(b.quantity * b.unit_price_vnd) FROM stamp_batches b"
            " LEFT JOIN stamp_order_approvals a ON a.batch_id = b.id"
            " WHERE a.decision IS DISTINCT FROM 'rejected'"
        )
    finally:
        await conn.close()
    assert total[7] == cost
    await page.context.close()


async def test_a_suspicious_stamp_becomes_a_confirmed_counterfeit_consumers_see(
    world: World, browser: Browser
) -> None:
    page = await _official(world, browser, 360)
    await page.goto(f"{world.base}/portal/cases")
    await page.locator(f"a[href='/portal/cases/{world.copied_serial}']").first.click()
    await page.wait_for_url(f"**/portal/cases/{world.copied_serial}")
    reason = "Tem giả: nhãn bị sao chép, đã báo quản lý thị trường"
    await page.get_by_label("Chỉ tem này").check()
    await page.get_by_label("Nội dung người tiêu dùng đọc").fill(reason)
    await page.get_by_role("button", name="Thu hồi vì là tem giả").click()
    await page.wait_for_url("**?done=case_confirmed")
    assert await page.get_by_text("Đã xác nhận tem giả").count() >= 1

    consumer = await page.context.browser.new_page(locale="vi-VN")  # type: ignore[union-attr]
    await consumer.goto(world.base + world.links[1])  # the copied label's own QR link
    text = await consumer.inner_text("main")
    assert reason in text, text
    await consumer.close()
    await page.context.close()
