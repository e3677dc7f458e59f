"""GS1 Digital Link resolution and EPCIS export, against the demo registry."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from traceability.demo import DemoRegistry, seed_registry
from traceability.resolver.digital_link import BadDigitalLink, parse

GTIN = "08938534000017"  # the demo's cam sành (written as GTIN-13 8938534000017)


@pytest.fixture
async def registry(db: asyncpg.Connection) -> DemoRegistry:
    return await seed_registry(db)


@pytest.fixture
async def lot(db: asyncpg.Connection, registry: DemoRegistry) -> str:
    """The demo cam sành lot's code (its YYMM follows the season the demo was seeded in)."""
    code: str = await db.fetchval("SELECT code FROM lots WHERE id = $1", registry.lots["cam_sanh"])
    return code


def test_parse_normalises_gtin_and_keeps_qualifier_order() -> None:
    link = parse("01/8938534000017/10/CS2411-01/21/A%2F7")
    assert (link.gtin, link.lot, link.serial) == (GTIN, "CS2411-01", "A/7")
    assert link.path == f"/01/{GTIN}/10/CS2411-01/21/A%2F7"


@pytest.mark.parametrize(
    "path",
    [
        "01/8938534000018",  # wrong check digit
        "01/89385340000",  # 11 digits
        "01/8938534000017/21/1/10/LOT",  # qualifiers out of order
        "01/8938534000017/10",  # AI without a value
        "01/8938534000017/10/" + "L" * 21,  # lot too long
        "01/8938534000017/10/l%C3%B4",  # not GS1 character set 82
        "01/8938534000017/99/x",  # not a qualifier of 01
    ],
)
def test_parse_rejects_bad_syntax(path: str) -> None:
    with pytest.raises(BadDigitalLink):
        parse(path)


async def test_default_redirects_to_product_page_passing_query_on(
    client: AsyncTestClient[Any], registry: DemoRegistry, lot: str
) -> None:
    response = await client.get(
        f"/01/8938534000017/10/{lot}?utm_source=box&linkType=gs1:pip", follow_redirects=False
    )
    assert response.status_code == 307
    location = response.headers["location"]
    assert location.endswith(f"/p/01/{GTIN}/10/{lot}?utm_source=box")
    assert 'rel="linkset"' in response.headers["link"]


async def test_linkset_lists_gs1_link_types(
    client: AsyncTestClient[Any], registry: DemoRegistry, lot: str
) -> None:
    for url, headers in (
        (f"/01/{GTIN}/10/{lot}", {"Accept": "application/linkset+json"}),
        (f"/01/{GTIN}/10/{lot}?linkType=linkset", {}),
    ):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/linkset+json")
        (relations,) = response.json()["linkset"]
        assert relations["anchor"].endswith(f"/01/{GTIN}/10/{lot}")
        voc = "https://gs1.org/voc/"
        for link_type in (
            "pip",
            "defaultLink",
            "traceability",
            "certificationInfo",
            "hasRetailers",
            "verificationService",
        ):
            assert voc + link_type in relations, link_type
        retailers = {t["href"] for t in relations[voc + "hasRetailers"]}
        assert any("voso.vn" in href for href in retailers)
        epcis = relations[voc + "traceability"][0]["href"]
        assert epcis.endswith(f"/api/v1/lots/{registry.lots['cam_sanh']}/epcis")


async def test_errors_follow_the_resolver_standard(
    client: AsyncTestClient[Any], registry: DemoRegistry, lot: str
) -> None:
    assert_problem(await client.get("/01/8938534000018"), 400)  # bad check digit
    assert_problem(await client.get("/01/00012345600012"), 404)  # valid, not ours
    assert_problem(await client.get(f"/01/{GTIN}?linkType=gs1:recallStatus"), 404)
    assert_problem(await client.get(f"/01/{GTIN}?linkType=gs1:traceability"), 404)  # no lot


async def test_unknown_lot_falls_back_to_the_product(
    client: AsyncTestClient[Any], registry: DemoRegistry, lot: str
) -> None:
    response = await client.get(f"/01/{GTIN}/10/NOSUCHLOT", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith(f"/p/01/{GTIN}")


async def test_head_and_cors(client: AsyncTestClient[Any], registry: DemoRegistry) -> None:
    head = await client.head(f"/01/{GTIN}", follow_redirects=False)
    assert head.status_code == 307
    assert head.headers["location"].endswith(f"/p/01/{GTIN}")
    preflight = await client.options(
        f"/01/{GTIN}",
        headers={"Origin": "https://retailer.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] in ("*", "https://retailer.example")


async def test_well_known_description(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    body = response.json()
    assert "gtin" in body["supportedPrimaryKeys"]
    assert "https://gs1.org/voc/traceability" in body["supportedLinkTypes"]


async def test_epcis_document_of_a_lot(
    client: AsyncTestClient[Any], registry: DemoRegistry, lot: str
) -> None:
    response = await client.get(f"/api/v1/lots/{registry.lots['cam_sanh']}/epcis")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    document = response.json()
    assert document["type"] == "EPCISDocument"
    assert document["schemaVersion"] == "2.0"
    events = document["epcisBody"]["eventList"]
    assert events, "the demo lot has a timeline"
    harvest = events[0]
    assert harvest["bizStep"] == "commissioning"
    assert harvest["action"] == "ADD"
    assert harvest["ilmd"]["cbvmda:countryOfOrigin"] == "VN"
    epc_class = f"https://id.gs1.org/01/{GTIN}/10/{lot}"
    assert all(e["quantityList"][0]["epcClass"] == epc_class for e in events)
    assert harvest["eventTimeZoneOffset"] == "+07:00"
    times = [e["eventTime"] for e in events]
    assert times == sorted(times)
    assert_problem(await client.get("/api/v1/lots/999999/epcis"), 404)


async def test_digital_link_leads_people_to_the_origin_page(
    client: AsyncTestClient[Any], registry: DemoRegistry, lot: str, db: asyncpg.Connection
) -> None:
    page = await client.get(f"/01/8938534000017/10/{lot}", follow_redirects=True)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="vi">' in html
    assert "Cam sành Hà Giang" in html
    assert "Hợp tác xã Anh Tài" in html
    assert lot in html
    assert "VN-HG-BQ-VH-001-24" in html
    assert 'id="certifications"' in html
    assert "hãy quét tem thông minh" in html  # it says the page proves nothing about one box

    english = await client.get(f"/p/01/{GTIN}/10/{lot}?lang=en")
    assert '<html lang="en">' in english.text
    assert "Ha Giang king orange" in english.text

    listing = await db.fetchval(
        "SELECT min(id) FROM marketplace_listings WHERE product_id = $1",
        registry.products["cam_sanh"],
    )
    assert f'href="/p/buy/{listing}"' in html
    buy = await client.get(f"/p/buy/{listing}", follow_redirects=False)
    assert buy.status_code == 302
    assert buy.headers["location"].startswith("https://")
    assert await db.fetchval("SELECT sum(clicks) FROM listing_clicks") == 1
    assert_problem(await client.get("/p/buy/999999", follow_redirects=False), 404)
    assert_problem(await client.get("/p/01/00012345600012"), 404)
