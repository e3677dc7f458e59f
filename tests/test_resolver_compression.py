"""Compressed GS1 Digital Link URIs: decompressed as GS1's reference compresses them, resolved."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL, assert_problem
from tests.world import demo
from traceability.demo import DemoRegistry
from traceability.resolver.compression import ALPHABET, NotCompressed, decompress, number_bits

__all__ = ["demo"]  # the fixture

GTIN = "08938534000017"  # the demo's cam sành
VECTORS = json.loads(
    (Path(__file__).parent / "data" / "gs1-dl-compression" / "vectors.json").read_text("utf-8")
)


def _compressed_gtin(gtin: str) -> str:
    """AI 01 alone, as the standard compresses it: the AI's two digits, then 47 bits."""
    bits = "00000001" + f"{int(gtin):0{number_bits(14)}b}"
    bits += "0" * (-len(bits) % 6)
    return "".join(ALPHABET[int(bits[i : i + 6], 2)] for i in range(0, len(bits), 6))


@pytest.mark.parametrize("vector", VECTORS, ids=[v["path"] for v in VECTORS])
def test_decompresses_what_gs1s_reference_compressed(vector: dict[str, Any]) -> None:
    segments = vector["path"].strip("/").split("/")
    pairs = decompress(segments[-1])
    if len(segments) == 3:  # the primary key left uncompressed
        pairs = [(segments[0], segments[1]), *pairs]
    assert {k: v for k, v in pairs if k.isdigit()} == vector["elements"]
    assert {k: v for k, v in pairs if not k.isdigit()} == vector["other"]


def test_leading_zeros_survive() -> None:
    # GS1's reference decoder gives serial "42" back for "0042"; the length is in the bits.
    (vector,) = [v for v in VECTORS if v["path"] == "/GhBCVEmrIo1XgkYIAVHqr4"]
    assert dict(decompress(vector["path"][1:]))["21"] == "0042"


@pytest.mark.parametrize(
    "segment",
    [
        "ARBCVEmrI",  # too short to hold a GTIN
        "ARBCVEmrIgA",  # stray bits after the GTIN
        "CxBCVEmrIs5Zyf23",  # the lot cut short
        "ARBCVEmrIgARBCVEmrIg",  # a GTIN, then the same key again
        "7xBCVEmrIg",  # 7F: no such code
        "robots.txt",
        "A" * 401,
    ],
)
def test_malformed_segments_are_refused(segment: str) -> None:
    with pytest.raises(NotCompressed):
        decompress(segment)


def test_the_test_compressor_agrees_with_gs1s() -> None:
    assert _compressed_gtin(GTIN) == VECTORS[0]["path"][1:] == "ARBCVEmrIg"


async def test_a_compressed_link_resolves_like_its_long_form(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    response = await client.get("/ARBCVEmrIg?utm_source=box", follow_redirects=False)
    assert response.status_code == 307, response.text
    assert response.headers["location"] == f"{PUBLIC_URL}/p/01/{GTIN}?utm_source=box"
    assert (
        f'<{PUBLIC_URL}/01/{GTIN}?utm_source=box>; rel="owl:sameAs"' in (response.headers["link"])
    )
    assert 'rel="linkset"' in response.headers["link"]

    # Lot, serial and a data attribute travel compressed; the long form names them all.
    response = await client.get("/GhBCVEmrIo1XgkYIAVHqr4?linkType=linkset")
    assert response.status_code == 200, response.text
    long_form = f"{PUBLIC_URL}/01/{GTIN}/10/ABC123/21/0042?17=251231&linkType=linkset"
    assert f'<{long_form}>; rel="owl:sameAs"' in response.headers["link"]
    assert response.json()["linkset"][0]["anchor"].startswith(f"{PUBLIC_URL}/01/{GTIN}")

    head = await client.head("/ARBCVEmrIg", follow_redirects=False)
    assert head.status_code == 307
    assert 'rel="owl:sameAs"' in head.headers["link"]


async def test_a_compressed_tail_after_the_gtin(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    (vector,) = [v for v in VECTORS if v["path"].startswith("/01/")]
    response = await client.get(vector["path"], follow_redirects=False)
    assert response.status_code == 307, response.text
    assert f'<{PUBLIC_URL}{vector["long"]}>; rel="owl:sameAs"' in response.headers["link"]
    # A third segment that is no compressed data is still the long form's syntax error.
    assert_problem(await client.get(f"/01/{GTIN}/10"), 400)


async def test_what_a_compressed_link_holds_is_checked_as_in_its_long_form(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    wrong_check_digit = _compressed_gtin("08938534000018")
    assert "check digit" in assert_problem(await client.get(f"/{wrong_check_digit}"), 400)["detail"]
    assert_problem(await client.get(f"/{_compressed_gtin('08938534000024')}"), 404)  # unknown
    (sscc,) = [v for v in VECTORS if "00" in v["elements"]][:1]
    assert "GTIN" in assert_problem(await client.get(sscc["path"]), 404)["detail"]


async def test_other_single_segment_paths_are_still_not_found(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    elsewhere = await client.get("/no/such-page")
    for path in ("/no-such-page", "/robots.txt", "/" + "A" * 600, "/%00", "/wp-login.php"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == elsewhere.headers["content-type"], path
    assert (await client.get("/healthz")).status_code == 200


async def test_a_preflight_on_a_compressed_link_is_the_resolvers(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    (tail,) = [v for v in VECTORS if v["path"].startswith("/01/")]
    for path in ("/ARBCVEmrIg", "/GhBCVEmrIo1XgkYIAVHqr4", tail["path"]):
        preflight = await client.options(
            path,
            headers={
                "Origin": "https://ref.gs1.org/test-suites/resolver/",
                "Access-Control-Request-Method": "GET,HEAD,OPTIONS",
            },
        )
        assert preflight.status_code == 204, (path, preflight.text)
        headers = preflight.headers
        assert headers["allow"] == headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
        assert headers["access-control-allow-origin"] == "*"
        assert headers["access-control-expose-headers"] == "Link"
        # The linkset of the item the compressed link names, under its long form.
        assert f"<{PUBLIC_URL}/01/{GTIN}" in headers["link"], path
        assert 'rel="linkset"' in headers["link"]
    # A single segment that does not decompress is no resolver URI: the app's CORS answers.
    for path in ("/healthz", "/no-such-page"):
        other = await client.options(
            path,
            headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"},
        )
        assert "allow" not in other.headers, path
        assert other.headers["access-control-max-age"] == "600", path
