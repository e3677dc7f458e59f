"""Every HTML response carries the security headers, whichever way it was made."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, MediaType, get
from litestar.testing import AsyncTestClient

from tests.scanning.helpers import active_batch, path
from tests.world import Registry
from traceability.asgi import LayeredApp, SecurityHeaders, content_security_policy
from traceability.scanning.page import STYLE_HASH

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def assert_secured(answer: Any) -> None:
    # One charset: Litestar adds it to a bare text/html (given one, it sent it twice).
    assert answer.headers["content-type"] == "text/html; charset=utf-8", answer.headers
    policy = answer.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self';",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"style-src 'self' {STYLE_HASH}",
    ):
        assert directive in policy, (directive, policy)
    assert "unsafe-inline" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"


async def test_every_consumer_page_is_secured(
    client: AsyncTestClient[Any], registry: Registry, db: Any
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    gtin = await db.fetchval("SELECT gtin FROM products WHERE id = $1", registry.product_id)
    answers = {
        "scan (fast path)": await client.get(url),
        "scan (gzip)": await client.get(url, headers={"Accept-Encoding": "gzip"}),
        "scan (router, CORS)": await client.get(url, headers={"Origin": "https://shop.example"}),
        "scan HEAD": await client.head(url),
        "not genuine": await client.get("/s/%22%3E%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"),
        "PIN page": await client.post(url + "/pin", data={"pin": "0000000000"}),
        "product page": await client.get(f"/p/01/{gtin}"),
        "error page": await client.get(url + "/buy/999999", headers=BROWSER),
        "unknown product page": await client.get("/p/01/08938600000994", headers=BROWSER),
        "bad product link": await client.get("/p/01/08938600000995?lang=en", headers=BROWSER),
    }
    for name, answer in answers.items():
        try:
            assert_secured(answer)
        except AssertionError as failure:
            raise AssertionError(f"{name}: {failure}") from failure
    assert answers["error page"].status_code == 404
    assert "Không tìm thấy trang" in answers["error page"].text
    # A GTIN whose check digit is wrong: the words say the link is bad, not "try again".
    assert answers["bad product link"].status_code == 400
    assert "This link is not valid" in answers["bad product link"].text
    assert "try again" not in answers["bad product link"].text
    # API answers are not pages, but nothing is sniffed as one either.
    for answer in (await client.get("/healthz"), await client.get(url + "/buy/999999")):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" not in answer.headers
    assert (
        (await client.get(url + "/buy/999999"))
        .headers["content-type"]
        .startswith("application/problem+json")
    )


@pytest.mark.parametrize("own_policy", [False, True])
async def test_any_html_response_of_any_handler_gets_them(own_policy: bool) -> None:
    """The layer covers pages other helpers build (the portal's), not just ours."""

    @get("/page", media_type=MediaType.HTML)
    async def page() -> Any:
        from litestar import Response

        headers = {"Content-Security-Policy": "default-src 'none'"} if own_policy else {}
        return Response("<p>hi</p>", media_type=MediaType.HTML, headers=headers)

    policy = content_security_policy([STYLE_HASH])
    app = LayeredApp(layers=[SecurityHeaders.layer(policy)], route_handlers=[page])
    assert isinstance(app, Litestar)
    async with AsyncTestClient(app=app) as client:
        answer = await client.get("/page")
        missing = await client.get("/nowhere")
    expected = "default-src 'none'" if own_policy else policy
    assert answer.headers["content-security-policy"] == expected
    assert answer.headers["x-frame-options"] == "DENY"
    assert missing.headers["x-content-type-options"] == "nosniff"


async def test_the_favicon_and_the_script_are_served_and_cached(
    client: AsyncTestClient[Any],
) -> None:
    icon = await client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/x-icon"
    assert icon.content.startswith(b"\x00\x00\x01\x00")  # an ICO file
    page = await client.get("/s/" + "4" * 177)
    script_url = (
        page.text.split('<script src="')[1].split('"')[0] if "<script" in page.text else None
    )
    assert script_url is None  # a forged stamp's page has no share button, so no script
    script = await client.get("/assets/share-location.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "immutable" in script.headers["cache-control"]
    assert b"geolocation" in script.content
    assert script.headers["x-content-type-options"] == "nosniff"
