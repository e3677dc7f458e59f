"""The portal in a real browser (Playwright on Debian's Chromium) against a real server and
PostgreSQL: every page at 360 px and 1280 px, screenshots kept in ``test-artifacts/portal``,
axe-core finding no serious or critical accessibility violation, and a phone user's habits
(Vietnamese typed as combining marks, back, refresh, double taps, hostile strings).

Playwright's async API, in the test's own event loop: the sync API (and pytest-playwright's
fixtures built on it) leaves a loop running on the worker's thread for the rest of the
session, which breaks every later test of that worker that starts one of its own."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import socket
import threading
import time
import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pyotp
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from traceability.accounts.demo import DEMO_PEOPLE, DEMO_TOTP_SECRET, seed_people
from traceability.app import create_app
from traceability.db.pool import init_connection
from traceability.demo import seed_registry
from traceability.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "portal"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = (360, 1280)
STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
_TOTP_STEPS = itertools.count()

pytestmark = pytest.mark.browser

if CHROMIUM is None and os.environ.get("CI") != "true":
    pytest.skip("chromium is not installed", allow_module_level=True)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """The system's Chromium (no browser download)."""
    assert CHROMIUM, "chromium is required on CI (apt-get install chromium)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield launched
        await launched.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def portal(settings: Settings) -> Iterator[str]:
    """A real server (uvicorn) over a database holding the demo registry and people."""
    yield from _serve(settings, lambda app: app)


@pytest.fixture
def strict_portal(settings: Settings) -> Iterator[str]:
    """The same, with a strict Content-Security-Policy on every answer."""
    yield from _serve(settings, _with_csp)


def _with_csp(app: Any) -> Any:
    async def with_policy(scope: Any, receive: Any, send: Any) -> None:
        async def send_with_policy(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", [])]
                headers.append((b"content-security-policy", STRICT_CSP.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_policy)

    return with_policy


def _serve(settings: Settings, wrap: Any) -> Iterator[str]:

    async def seed() -> None:
        conn = await asyncpg.connect(settings.database_url)
        await init_connection(conn)
        try:
            registry = await seed_registry(conn)
            async with conn.transaction():
                await seed_people(conn, registry.cooperatives)
        finally:
            await conn.close()

    asyncio.run(seed())
    port = _free_port()
    app = create_app(replace(settings, public_url=f"http://127.0.0.1:{port}"))
    config = uvicorn.Config(
        wrap(app), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=20)


def _person(role: str) -> Any:
    return next(p for p in DEMO_PEOPLE if p.role == role)


async def _sign_in(page: Page, base: str, role: str) -> None:
    person = _person(role)
    await page.goto(f"{base}/portal/login")
    await page.fill("#f-login", person.login)
    await page.fill("#f-password", person.password)
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    if page.url.endswith("/portal/second-factor"):
        # Each code is good once: a later sign-in in the same 30 s takes the next step's
        # code (the drift window accepts it), as a person would wait for their app's next.
        code = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() + 30 * next(_TOTP_STEPS))
        await page.fill("#f-code", code)
        async with page.expect_navigation():
            await page.click("main button[type=submit]")
    assert page.url == f"{base}/portal/", page.url


async def _check(page: Page, name: str, width: int, problems: list[str]) -> None:
    """Screenshot and axe-core: serious and critical violations are failures."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    for violation in result["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in violation["nodes"][:3]]
            problems.append(f"{name} @{width}: {violation['id']} {violation['help']} {targets}")
    # Nothing may overflow a phone's width (a table, a long login, a key).
    overflow = await page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    if overflow:
        problems.append(f"{name} @{width}: the page is wider than the screen")


PAGES = {
    "cooperative": [
        "/portal/",
        "/portal/users",
        "/portal/api-keys",
        "/portal/account",
        "/portal/password",
        "/portal/products",
        "/portal/planting-areas",
        "/portal/lots",
        "/portal/orders",
        "/portal/activate",
        "/portal/stamps",
    ],
    "authority": [
        "/portal/",
        "/portal/users",
        "/portal/api-keys",
        "/portal/account",
        "/portal/chains",
        "/portal/chains/new",
        "/portal/chains/1",
    ],
    "retailer": [
        "/portal/",
        "/portal/receiving",
        "/portal/deliveries",
        "/portal/stores",
        "/portal/offline-kit",
        "/portal/users",
        "/portal/api-keys",
        "/portal/account",
    ],
}


async def test_every_page_at_phone_and_desktop_width_passes_axe(
    portal: str, browser: Browser
) -> None:
    problems: list[str] = []
    errors: list[str] = []
    for width in WIDTHS:
        context = await browser.new_context(
            viewport={"width": width, "height": 800}, bypass_csp=True, locale="vi-VN"
        )
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
        for path, name in (
            ("/", "public-home"),
            ("/portal/login", "login"),
            ("/portal/nothing-here", "not-found"),
            ("/check?code=S%E1%BB%91+12", "public-check-error"),
        ):
            await page.goto(portal + path)
            await _check(page, name, width, problems)
        for role, paths in PAGES.items():
            await context.clear_cookies()
            await _sign_in(page, portal, role)
            for path in paths:
                await page.goto(portal + path)
                name = f"{role}-{path.strip('/').replace('/', '-') or 'home'}"
                await _check(page, name, width, problems)
        await context.close()
    assert not errors, errors
    assert not problems, "\n".join(problems)


async def test_a_phone_user_invites_a_colleague(portal: str, browser: Browser) -> None:
    """Typed with combining tone marks (as some Vietnamese keyboards send them), submitted
    with a double tap, then back and refresh: one account, its name stored composed."""
    context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = await context.new_page()
    await _sign_in(page, portal, "cooperative")
    await page.goto(portal + "/portal/users")
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hồng <script>alert(1)</script>")
    await page.fill("#f-display_name", decomposed)
    await page.fill("#f-login", "0987 654 321")
    async with page.expect_navigation():
        await page.dblclick("main form.stack button[type=submit]")
    assert await page.locator(".secret code").count() == 1
    assert "Nguyễn Thị Hồng <script>" in await page.locator(".secret").inner_text()
    await page.go_back()
    await page.reload()
    await page.goto(portal + "/portal/users")
    rows = page.locator("tbody tr", has_text="0987654321")
    assert await rows.count() == 1
    assert "Nguyễn Thị Hồng" in await rows.inner_text()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "cooperative-invited-360.png"), full_page=True)
    await context.close()


async def test_a_refused_sign_in_keeps_the_login(portal: str, browser: Browser) -> None:
    """A refused sign-in keeps the login, says why in Vietnamese, and never refills the password."""
    context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    page = await context.new_page()
    await page.goto(portal + "/portal/login")
    await page.fill("#f-login", "0912 000 001")
    await page.fill("#f-password", "sai mật khẩu")
    async with page.expect_navigation():
        await page.click("main button[type=submit]")
    errors = await page.locator("#form-errors").inner_text()
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in errors
    assert await page.input_value("#f-login") == "0912 000 001"
    assert await page.input_value("#f-password") == ""
    await context.close()


async def test_pages_work_under_a_strict_content_security_policy(
    strict_portal: str, browser: Browser
) -> None:
    """No inline script or style anywhere: every page, the htmx rows and the API docs run
    under a policy without 'unsafe-inline' (the service's own headers may be stricter still)."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    portal = strict_portal
    for path in ("/", "/portal/login", "/schema"):
        await page.goto(portal + path)
        await page.wait_for_load_state("networkidle")
    assert await page.locator(".swagger-ui").count() == 1  # the docs UI started
    await _sign_in(page, portal, "cooperative")
    await page.goto(portal + "/portal/api-keys")
    await page.fill("#f-name", "Kho lạnh")
    async with page.expect_navigation():
        await page.click("main form.stack button[type=submit]")
    page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
    row = page.locator("tbody tr", has_text="Kho lạnh")
    await row.locator("button").click()  # htmx: the row is swapped in place, no navigation
    await row.locator(".status.off").wait_for()
    assert page.url.endswith("/portal/api-keys")
    assert refused == []
    await context.close()
