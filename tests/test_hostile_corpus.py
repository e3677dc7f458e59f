"""A hostile-input corpus over the consumer pages, the GS1 paths and the API (issue 7, "In CI").

Every payload goes, as raw bytes on a real socket (so invalid UTF-8, NUL and bare ``%`` reach
the server as sent), into every hole of every target: path segments, query values and
bodies of the scan page, PIN and buy routes, the product pages, the GS1 resolver, the
well-known documents and the API. Whatever the service answers, it is never a 5xx, an HTML
answer never holds a payload's markup unescaped, no header is injected, and no redirect
leaves the service for a host a payload names.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.live import serving
from tests.scanning.helpers import active_batch, path
from tests.world import Registry, registry
from traceability.app import create_app
from traceability.settings import Settings

__all__ = ["registry"]  # the fixture

MARK = "hgx"
"""In every markup payload: found unescaped in an HTML answer, it was reflected."""

# Raw bytes as they would sit in a request target (already percent-encoded where a client
# would encode them; raw where an attacker would not).
PAYLOADS: list[bytes] = [
    # injection
    b"%27%20OR%201%3D1--",
    b"%22%3E%3Chgx%20src%3Dx%20onerror%3Dalert(1)%3E",
    b"%3Cscript%3Ehgx(1)%3C%2Fscript%3E",
    b"javascript:hgx(1)",
    b"%7B%7B7*7%7D%7D%24%7B7*7%7D",
    b"..%2F..%2F..%2Fetc%2Fpasswd",
    b"%3B%20DROP%20TABLE%20stamps%3B--",
    b"%0D%0ASet-Cookie:%20hgx%3D1",
    b"%E2%80%AEhgx%E2%80%8B",
    b"https:%2F%2Fevil.example%2Fhgx",
    b"%2F%2Fevil.example",
    # invalid UTF-8, NUL, percent-encoding tricks
    b"%C3%28",
    b"%FF%FE%FD",
    b"\xff\xfe",
    b"%00",
    b"a%00b",
    b"%",
    b"%G0%zz",
    b"%252F%252e%252e",
    b"%2e%2e%2f%2e%2e",
    b"%u0041%u003C",
    b"%C0%AF%E0%80%AF",
    # huge and odd numbers
    b"9223372036854775808",
    b"-9223372036854775809",
    b"99999999999999999999999999999999999999",
    b"1e309",
    b"-1",
    b"0",
    b"NaN",
    b"0x10",
    # long
    b"A" * 4000,
    b"%41" * 3000,
]

DEEP_JSON = b"[" * 5000 + b"]" * 5000
BODIES: list[bytes] = [
    DEEP_JSON,
    b'{"codes": ["' + b"9" * 5000 + b'"]}',
    b'{"codes": [' + b"9" * 400 + b"]}",
    b'{"codes": ["\\u0000", "\\ud800", "<hgx>"]}',
    b'{"a": 1, "a": 2}',
    b"\xff\xfe{}",
    b'{"quantity": 1e999}',
    b'{"name": "' + b"\\u202e" * 100 + b'"}',
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str:
        return ", ".join(v for k, v in self.headers if k == name)


async def _send(port: int, request: bytes) -> Answer:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), timeout=30)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), raw[:200]
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    return Answer(int(lines[0].split()[1]), headers, body)


def _request(method: str, target: bytes, body: bytes = b"", **headers: str) -> bytes:
    head = [
        method.encode() + b" " + target + b" HTTP/1.1",
        b"Host: tem.hagiang.gov.vn",
        b"Connection: close",
        *(f"{k.replace('_', '-')}: {v}".encode() for k, v in headers.items()),
    ]
    if body or method in ("POST", "PATCH"):
        head.append(f"Content-Length: {len(body)}".encode())
    return b"\r\n".join(head) + b"\r\n\r\n" + body


def _check(answer: Answer, what: str) -> None:
    assert answer.status < 500, f"{what}: {answer.status} {answer.body[:300]!r}"
    assert not any(k == "set-cookie" and MARK in v for k, v in answer.headers), what
    location = answer.header("location")
    assert "evil.example" not in location, f"{what}: redirected to {location}"
    if "text/html" in answer.header("content-type"):
        text = answer.body.decode("utf-8", errors="replace").lower()
        assert f"<{MARK}" not in text, f"{what}: reflected"
        assert f"{MARK}(1)</" not in text, f"{what}: reflected"
        # A link or form that runs script (the payload shown back in a field's value is fine).
        for attribute in ("href", "src", "action", "formaction"):
            assert f'{attribute}="javascript:{MARK}' not in text, f"{what}: runs script"


@pytest.fixture
async def targets(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> list[tuple[str, bytes]]:
    """(method, target with one ``{}`` hole) for every kind of route that takes input."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        batch = await active_batch(client, registry, 2)
        stamp = path(client, batch["first_serial"]).encode()
    gtin = await db.fetchval("SELECT gtin FROM products WHERE id = $1", registry.product_id)
    gtin = gtin.encode()
    listing = str(registry.listing_id).encode()
    return [
        ("GET", b"/s/{}"),
        ("GET", b"/S/{}"),
        ("GET", stamp + b"?lat={}&lon={}&lang={}"),
        ("GET", stamp + b"/{}"),
        ("POST", b"/s/{}/pin"),
        ("GET", b"/s/{}/buy/" + listing),
        ("GET", stamp + b"/buy/{}"),
        ("GET", b"/p/01/{}"),
        ("GET", b"/p/01/" + gtin + b"/10/{}"),
        ("GET", b"/p/buy/{}"),
        ("GET", b"/01/{}"),
        ("GET", b"/01/" + gtin + b"/10/{}?linkType={}"),
        ("GET", b"/01/" + gtin + b"?linkType={}&{}=1"),
        ("HEAD", b"/01/{}"),
        ("GET", b"/.well-known/{}"),
        ("GET", b"/.well-known/gs1resolver?{}"),
        ("GET", b"/.well-known/stamps/manifest.json?cooperative={}"),
        ("GET", b"/api/v1/lots/{}"),
        ("GET", b"/api/v1/lots/{}/epcis"),
        ("GET", b"/api/v1/products?gtin={}&cursor={}&limit={}"),
        ("GET", b"/api/v1/cooperatives?sort={}&cursor={}"),
        ("GET", b"/api/v1/stamps/analytics?since={}&until={}"),
        ("GET", b"/{}"),
        ("GET", b"/schema/{}"),
        # Reports of fakes and the portal (sign-in, public pages, language switch)
        ("GET", stamp + b"/report?sent={}&lang={}"),
        ("POST", b"/s/{}/report"),
        ("GET", b"/check?code={}"),
        ("GET", b"/lang/{}?next={}"),
        ("GET", b"/portal/login?next={}&lang={}"),
        ("GET", b"/portal/{}"),
    ]


async def test_hostile_input_is_never_a_server_error_nor_reflected(
    settings: Settings, registry: Registry, targets: list[tuple[str, bytes]]
) -> None:
    sent = 0
    async with serving(create_app(settings)) as base:
        port = int(base.rsplit(":", 1)[1])
        keys: list[dict[str, str]] = [{}, registry.coop]
        for method, template in targets:
            for payload in PAYLOADS:
                target = template.replace(b"{}", payload)
                for key in keys if template.startswith(b"/api/") else [{}]:
                    body = b"pin=" + payload if template.endswith(b"/pin") else b""
                    extra: dict[str, Any] = dict(key)
                    if body:
                        extra["Content_Type"] = "application/x-www-form-urlencoded"
                    answer = await _send(port, _request(method, target, body, **extra))
                    _check(answer, f"{method} {target[:120]!r}")
                    sent += 1
        # Bodies: the API's JSON routes and the PIN form.
        stamp = targets[2][1].split(b"?")[0]
        for route in (b"/api/v1/verify", b"/api/v1/products", b"/api/v1/stamp-batches"):
            for body in BODIES:
                request = _request(
                    "POST", route, body, Content_Type="application/json", **registry.coop
                )
                _check(await _send(port, request), f"POST {route!r} {body[:60]!r}")
                sent += 1
        for body in (b"pin=" + b"%00" * 50, b"pin=" + b"1" * 100_000, b"\xff\xfe=\xff"):
            request = _request(
                "POST", stamp + b"/pin", body, Content_Type="application/x-www-form-urlencoded"
            )
            _check(await _send(port, request), f"POST pin {body[:40]!r}")
            sent += 1
        # Overlong paths and headers: refused, not served and not a crash.
        for length in (8_000, 70_000):
            answer = await _send(port, _request("GET", b"/s/" + b"A" * length))
            _check(answer, f"GET /s/ + {length} bytes")
            sent += 1
        answer = await _send(
            port, _request("GET", b"/api/v1/lots", Authorization="Bearer " + "x" * 20_000)
        )
        _check(answer, "20 kB key")
    print(f"hostile corpus: {sent} requests, none a 5xx or reflected")  # docs/reliability.md
    assert sent > 900
    # And the service still answers a plain scan after all that.
    async with serving(create_app(settings)) as base:
        port = int(base.rsplit(":", 1)[1])
        answer = await _send(port, _request("GET", stamp, Accept="application/json"))
        assert answer.status == 200, answer.body[:300]
        assert json.loads(answer.body)["verdict"].startswith("genuine")
