"""A scan counts once per browser session, and no single source can flip a genuine stamp.

The attacks of the security review, each reproduced against the default clone rules:
forged far-apart locations, reloads from one phone, rotating X-Forwarded-For, and a
cookie-less client minting a new session on every request from one network.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from stamps import issue
from tests.conftest import PUBLIC_URL
from tests.scanning.helpers import FromNetwork, active_batch, app_path, path, scan_json
from tests.world import Registry
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.settings import Settings


@pytest.fixture
async def browser(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """A phone's browser: it keeps cookies, and sends Secure ones over https as browsers do."""
    async with AsyncTestClient(app=create_app(settings), base_url=PUBLIC_URL) as client:
        yield client


async def _stamp_row(db: asyncpg.Connection, serial: int) -> asyncpg.Record:
    row: asyncpg.Record = await db.fetchrow(
        "SELECT scan_count, views, suspicious_at, evidence FROM stamps WHERE serial = $1", serial
    )
    return row


async def test_reload_language_and_location_update_the_same_scan(
    browser: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(browser, registry)
    serial = batch["first_serial"]
    url = path(browser, serial)
    first = await browser.get(url)
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("scan_session=")
    assert "Path=/;" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "; Secure" in cookie  # the public URL is https
    assert "Quét lần đầu" in first.text or "lần đầu" in first.text
    # A reload, a language switch, a shared location, and the QR's own /S/ path.
    again = await browser.get(url)
    english = await browser.get(url, params={"lang": "en"})
    located = await browser.get(url, params={"lat": "22.8234", "lon": "104.9876"})
    upper = await browser.get("/S/" + issue(serial, runtime_of(browser.app).keys.ring).code)
    for answer in (again, english, located, upper):
        assert answer.status_code == 200
        assert "set-cookie" not in answer.headers  # the browser's session is kept
    assert first.text == again.text
    assert (await scan_json(browser, url))["verdict"] == "genuine_first"
    row = await _stamp_row(db, serial)
    assert (row["scan_count"], row["views"]) == (1, 6)
    [witness] = row["evidence"]["witnesses"]
    assert (witness["la"], witness["lo"]) == (22.8, 105.0)  # the location joined that scan
    logged = await db.fetch("SELECT counted, verdict FROM scans ORDER BY scanned_at")
    assert [r["counted"] for r in logged] == [True] + [False] * 5
    assert {r["verdict"] for r in logged} == {"genuine_first"}
    # Another browser is another scan.
    browser.cookies.clear()
    assert (await scan_json(browser, url))["verdict"] == "genuine"
    assert (await _stamp_row(db, serial))["scan_count"] == 2


async def test_26_reloads_from_one_phone_leave_it_genuine(
    browser: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(browser, registry)
    url = path(browser, batch["first_serial"])
    verdicts = {(await scan_json(browser, url))["verdict"] for _ in range(26)}
    assert verdicts == {"genuine_first"}
    page = await browser.get(url)
    assert "đáng ngờ" not in page.text
    row = await _stamp_row(db, batch["first_serial"])
    assert (row["scan_count"], row["views"], row["suspicious_at"]) == (1, 27, None)


async def test_forged_far_apart_locations_leave_it_genuine(
    browser: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(browser, registry)
    url = path(browser, batch["first_serial"])
    answers = []
    for lat, lon in (("22.8", "104.9"), ("10.8", "106.7")):
        browser.cookies.clear()  # even as two browsers
        answers.append(await scan_json(browser, url, lat=lat, lon=lon))
    assert [a["verdict"] for a in answers] == ["genuine_first", "genuine"]
    assert (await _stamp_row(db, batch["first_serial"]))["suspicious_at"] is None


async def test_rotating_x_forwarded_for_leaves_it_genuine(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    # As `traceability serve` runs: uvicorn trusts X-Forwarded-For from 127.0.0.1.
    app = create_app(settings)
    # uvicorn and Litestar spell the ASGI types each their own way; the app is ASGI 3 all the same.
    proxy = ProxyHeadersMiddleware(app, trusted_hosts="127.0.0.1")  # type: ignore[arg-type]
    proxied = FromNetwork(proxy, "127.0.0.1")
    proxied.state = app.state
    async with AsyncTestClient(app=proxied, base_url=PUBLIC_URL) as client:
        batch = await active_batch(client, registry)
        url = app_path(proxied, batch["first_serial"])
        verdicts = []
        for forged in ("1.2.3.4", "14.160.0.9", "8.8.8.8", "203.113.131.7", "5.6.7.8"):
            client.cookies.clear()
            answer = await client.get(
                url, headers={"Accept": "application/json", "X-Forwarded-For": forged}
            )
            verdicts.append(answer.json()["verdict"])
    assert verdicts[1:] == ["genuine"] * 4
    row = await _stamp_row(db, batch["first_serial"])
    assert row["suspicious_at"] is None
    assert len(row["evidence"]["networks"]) == 5  # counted, but a burst is one actor


async def test_new_session_per_request_from_one_network_leaves_it_genuine(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    app = FromNetwork(create_app(settings), "14.160.0.7")
    async with AsyncTestClient(app=app, base_url=PUBLIC_URL) as client:
        batch = await active_batch(client, registry)
        url = app_path(app, batch["first_serial"])
        for _ in range(30):
            client.cookies.clear()
            await client.get(url)
        assert (await scan_json(client, url))["verdict"] == "genuine"
    row = await _stamp_row(db, batch["first_serial"])
    assert row["suspicious_at"] is None
    assert row["scan_count"] == 31
    assert len(row["evidence"]["networks"]) == 1
    assert len(row["evidence"]["witnesses"]) == 3  # one network cannot fill the list


async def test_retailer_bulk_verify_and_link_previews_are_not_scans(
    browser: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(browser, registry)
    ring = runtime_of(browser.app).keys.ring
    codes = [issue(batch["first_serial"] + i, ring).code for i in range(3)]
    answer = await browser.post("/api/v1/verify", json={"codes": codes}, headers=registry.retailer)
    assert answer.status_code == 200, answer.text
    url = path(browser, batch["first_serial"])
    assert (await browser.head(url)).status_code == 200
    preview = await browser.get(url, headers={"User-Agent": "facebookexternalhit/1.1"})
    assert preview.status_code == 200
    assert await db.fetchval("SELECT count(*) FROM scans WHERE counted") == 0
    assert await db.fetchval("SELECT coalesce(sum(scan_count), 0) FROM stamps") == 0
    assert await db.fetchval("SELECT coalesce(sum(scans), 0) FROM scan_daily") == 0
    # The first person to scan it still sees a first scan.
    assert (await scan_json(browser, url))["verdict"] == "genuine_first"
