"""The fast path answers GET /s/<code> exactly as the routed handler would."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.scanning.helpers import active_batch, path
from tests.world import Registry
from traceability.runtime import runtime_of


def _headers(answer: Any) -> list[tuple[str, str]]:
    """All but the date, and what the CORS middleware adds (the routed requests send Origin).

    Each answer sets a new scan session: only the cookie's value may differ.
    """
    return sorted(
        (k, re.sub("^scan_session=[A-Za-z0-9_-]{22};", "scan_session=…;", v))
        for k, v in answer.headers.multi_items()
        # content-length: the second scan of a stamp reads "scanned 2 times", not "first"
        if k not in {"date", "vary", "content-length"} and not k.startswith("access-control-")
    )


async def test_fast_path_and_router_give_the_same_answers(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"] + 1)
    bad = url[:-5] + "00000"
    origin = {"Origin": "https://shop.example"}
    for target in (url, bad, url + "?lang=en&lat=21.1&lon=105.2"):
        for extra in (
            {"Accept-Encoding": "identity"},
            {"Accept-Encoding": "gzip"},
            {"Accept": "application/json", "Accept-Encoding": "identity"},
            {"Accept": "application/json", "Accept-Encoding": "gzip"},
            {"Accept-Language": "en", "Accept-Encoding": "gzip", "User-Agent": "Zalo"},
        ):
            client.cookies.clear()
            fast = await client.get(target, headers=extra)
            client.cookies.clear()
            routed = await client.get(target, headers={**extra, **origin})
            assert fast.headers["set-cookie"].startswith("scan_session=")
            assert "access-control-allow-origin" not in fast.headers
            assert routed.headers["access-control-allow-origin"] == "*"
            assert fast.status_code == routed.status_code
            assert fast.headers["content-type"] in ("text/html; charset=utf-8", "application/json")
            assert _headers(fast) == _headers(routed), (target, extra)
            assert fast.headers["vary"] in routed.headers["vary"]
            if fast.status_code == 404:
                assert fast.content == routed.content
                assert fast.headers["content-length"] == routed.headers["content-length"]
    # Every request above was recorded (the not-genuine ones without a stamp).
    assert await db.fetchval("SELECT count(*) FROM scans") == 30


async def test_fast_path_errors_are_the_apps_problems(
    client: AsyncTestClient[Any], registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    recorder = runtime_of(client.app).recorder

    async def broken(event: Any) -> Any:
        raise RuntimeError("database down")

    with monkeypatch.context() as patch:
        patch.setattr(recorder, "record", broken)
        fast = await client.get(url)
        routed = await client.get(url, headers={"Origin": "https://shop.example"})
    # Not recorded: never a page as if it were; an honest 503 to scan again, either way in.
    assert fast.status_code == routed.status_code == 503
    assert fast.headers["retry-after"] == routed.headers["retry-after"] == "30"
    assert fast.content == routed.content
    assert "Tem có chữ ký hợp lệ" in fast.text


async def test_other_requests_go_to_the_app(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    assert (await client.head(url)).status_code == 200
    assert (await client.post(url)).status_code == 405
    assert (await client.get(url + "/buy/999999")).status_code == 404


async def test_scans_take_the_fast_path(client: AsyncTestClient[Any], registry: Registry) -> None:
    """Fails when the layer is gone from create_app, or when scans stop matching it."""
    from traceability.scanning.fast import ScanFastPath

    fast = client.app.layer(ScanFastPath)
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    before = fast.answered
    for target in (url, url.replace("/s/", "/S/"), url + "?lang=en", "/s/12345"):
        assert (await client.get(target)).status_code in (200, 404)
    assert fast.answered == before + 4
    # What it leaves to the app: CORS requests, other methods, other paths.
    await client.get(url, headers={"Origin": "https://shop.example"})
    await client.head(url)
    await client.get(url + "/")
    await client.get("/healthz")
    assert fast.answered == before + 4
