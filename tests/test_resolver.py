"""GS1 Digital Link resolution and EPCIS export, against the demo's records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg
import jsonschema
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL, assert_problem
from tests.world import demo
from traceability.demo import DemoRegistry
from traceability.resolver.digital_link import BadDigitalLink, parse

__all__ = ["demo"]  # the fixture

GTIN = "08938534000017"  # the demo's cam sành (written as GTIN-13 8938534000017)
GS1_DATA = Path(__file__).parent / "data" / "gs1"


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((GS1_DATA / name).read_text(encoding="utf-8"))
    return schema


def _types(relations: dict[str, Any]) -> set[str]:
    return {k.removeprefix("https://gs1.org/voc/") for k in relations if k.startswith("https://")}


@pytest.fixture
async def lot(db: asyncpg.Connection, demo: DemoRegistry) -> str:
    """The demo cam sành lot's code (its YYMM follows the season the demo was seeded in)."""
    code: str = await db.fetchval("SELECT code FROM lots WHERE id = $1", demo.lots["cam_sanh"])
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
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    response = await client.get(
        f"/01/8938534000017/10/{lot}?utm_source=box&linkType=gs1:pip", follow_redirects=False
    )
    assert response.status_code == 307
    location = response.headers["location"]
    assert location.endswith(f"/p/01/{GTIN}/10/{lot}?utm_source=box")
    assert 'rel="linkset"' in response.headers["link"]


async def test_linkset_lists_gs1_link_types(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    for url, headers in (
        (f"/01/{GTIN}/10/{lot}", {"Accept": "application/linkset+json"}),
        (f"/01/{GTIN}/10/{lot}?linkType=linkset", {}),
    ):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/linkset+json")
        # The lot, then each level up to the GTIN, each an anchor with its own links.
        lot_level, product_level = response.json()["linkset"]
        assert lot_level["anchor"] == f"{PUBLIC_URL}/01/{GTIN}/10/{lot}"
        assert product_level["anchor"] == f"{PUBLIC_URL}/01/{GTIN}"
        assert lot_level["itemDescription"] == f"Cam sành Hà Giang, lô {lot}"
        assert product_level["itemDescription"] == "Cam sành Hà Giang"
        voc = "https://gs1.org/voc/"
        assert {"pip", "defaultLink", "traceability"} <= _types(lot_level)
        assert {
            "pip",
            "defaultLink",
            "certificationInfo",
            "hasRetailers",
            "verificationService",
        } <= _types(product_level)
        retailers = {t["href"] for t in product_level[voc + "hasRetailers"]}
        assert any("voso.vn" in href for href in retailers)
        epcis = lot_level[voc + "traceability"][0]["href"]
        assert epcis == f"{PUBLIC_URL}/api/v1/lots/{demo.lots['cam_sanh']}/epcis"


async def test_errors_follow_the_resolver_standard(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    assert_problem(await client.get("/01/8938534000018"), 400)  # bad check digit
    assert_problem(await client.get("/01/00012345600012"), 404)  # valid, not ours
    assert_problem(await client.get(f"/01/{GTIN}?linkType=gs1:recallStatus"), 404)
    assert_problem(await client.get(f"/01/{GTIN}?linkType=gs1:traceability"), 404)  # no lot


async def test_unknown_lot_falls_back_to_the_product(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    response = await client.get(f"/01/{GTIN}/10/NOSUCHLOT", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith(f"/p/01/{GTIN}")


async def test_head_and_cors(client: AsyncTestClient[Any], demo: DemoRegistry) -> None:
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
    jsonschema.validate(body, _schema("gs1-resolver-description-file-schema.json"))
    assert body["supportedPrimaryKeys"] == ["01"]  # AI codes, not names
    assert body["supportedLinkType"] == [{"namespace": "https://gs1.org/voc/", "prefix": "gs1:"}]
    assert body["resolverRoot"] == PUBLIC_URL
    assert body["jsonLdContextLocation"].startswith("https://ref.gs1.org/")


async def test_epcis_document_of_a_lot(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    response = await client.get(f"/api/v1/lots/{demo.lots['cam_sanh']}/epcis")
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
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str, db: asyncpg.Connection
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
        demo.products["cam_sanh"],
    )
    assert f'href="/p/buy/{listing}"' in html
    buy = await client.get(f"/p/buy/{listing}", follow_redirects=False)
    assert buy.status_code == 302
    assert buy.headers["location"].startswith("https://")
    assert await db.fetchval("SELECT sum(clicks) FROM listing_clicks") == 1
    assert_problem(await client.get("/p/buy/999999", follow_redirects=False), 404)
    assert_problem(await client.get("/p/01/00012345600012"), 404)


async def test_every_linkset_validates_against_gs1s_schema(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str, db: asyncpg.Connection
) -> None:
    schema = _schema("gs1-linkset-schema.json")
    gtins = await db.fetch("SELECT gtin FROM products WHERE gtin IS NOT NULL")
    assert len(gtins) == 3
    for row in gtins:
        for path in (
            f"/01/{row['gtin']}",
            f"/01/{row['gtin']}/10/NOSUCHLOT",
            f"/01/{row['gtin']}/21/12345",
            f"/01/{GTIN}/10/{lot}",
            f"/01/{GTIN}/10/{lot}/21/A1",
        ):
            response = await client.get(path, headers={"Accept": "application/linkset+json"})
            assert response.status_code == 200, path
            document = response.json()
            jsonschema.validate(document, schema)
            for item in document["linkset"]:
                (default,) = item["https://gs1.org/voc/defaultLink"]
                assert set(default) == {"href", "title"}  # no optional attributes
            context = 'rel="http://www.w3.org/ns/json-ld#context"'
            assert context in response.headers["link"]


async def test_cors_preflight_the_way_gs1s_test_suite_sends_it(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    for path in (f"/01/{GTIN}", "/.well-known/gs1resolver"):
        preflight = await client.options(
            path,
            headers={
                "Origin": "https://ref.gs1.org/test-suites/resolver/",
                "Access-Control-Request-Method": "GET,HEAD,OPTIONS",
            },
        )
        assert preflight.status_code == 204, preflight.text
        headers = preflight.headers
        assert headers["access-control-allow-origin"] == "*"
        assert headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
        assert headers["access-control-expose-headers"] == "Link"
        assert headers["allow"] == "GET, HEAD, OPTIONS"
    preflight = await client.options(f"/01/{GTIN}", headers={"Origin": "https://a.example"})
    assert f'<{PUBLIC_URL}/01/{GTIN}?linkType=linkset>; rel="linkset"' in preflight.headers["link"]
    simple = await client.get(
        f"/01/{GTIN}", headers={"Origin": "https://a.example"}, follow_redirects=False
    )
    assert "Link" in simple.headers["access-control-expose-headers"]


async def test_vary_and_head_tell_the_truth(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    url = f"/01/{GTIN}/10/{lot}?linkType=linkset"
    get = await client.get(url)
    head = await client.head(url)
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == len(get.content) > 100
    assert head.headers["content-type"].startswith("application/linkset+json")
    assert head.content == b""
    for response in (get, head, await client.get(f"/01/{GTIN}", follow_redirects=False)):
        assert "Accept" in response.headers["vary"]


async def test_a_lot_with_a_slash_resolves(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    assert parse("/01/08938534000017/10/A%2FB").lot == "A/B"
    response = await client.get(f"/01/{GTIN}/10/A%2FB", follow_redirects=False)
    assert response.status_code == 307  # unknown here: walks up to the product
    assert response.headers["location"] == f"{PUBLIC_URL}/p/01/{GTIN}"
    linkset = await client.get(f"/01/{GTIN}/10/A%2FB?linkType=linkset")
    assert linkset.status_code == 200
    trailing = await client.get(f"/01/{GTIN}/", follow_redirects=False)
    assert trailing.headers["location"] == response.headers["location"]


@pytest.mark.parametrize(
    "link_type",
    [
        "gs1:pip",
        "pip",
        "https://gs1.org/voc/pip",
        "https://ref.gs1.org/voc/pip",
        "https%3A%2F%2Fref.gs1.org%2Fvoc%2Fpip",
    ],
)
async def test_link_types_in_every_spelling(
    client: AsyncTestClient[Any], demo: DemoRegistry, link_type: str
) -> None:
    response = await client.get(f"/01/{GTIN}?linkType={link_type}", follow_redirects=False)
    assert response.status_code == 307, response.text
    assert response.headers["location"] == f"{PUBLIC_URL}/p/01/{GTIN}"


async def test_query_string_data_attributes_and_passing_on(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    assert_problem(await client.get(f"/01/{GTIN}?17=ABCDEF"), 400)
    assert_problem(await client.get(f"/01/{GTIN}?17=261399"), 400)  # month 13
    assert_problem(await client.get(f"/01/{GTIN}?99=1"), 400)  # not a data attribute
    assert_problem(await client.get(f"/01/{GTIN}?8030=not%20base64"), 400)
    response = await client.get(
        f"/01/{GTIN}?z=1&17=261231&a=%C3%A0%20b&linkType=gs1%3Apip&m",
        follow_redirects=False,
    )
    assert response.status_code == 307
    assert response.headers["location"] == f"{PUBLIC_URL}/p/01/{GTIN}?z=1&17=261231&a=%C3%A0%20b&m"


async def test_several_equal_links_answer_multiple_choices(
    client: AsyncTestClient[Any], demo: DemoRegistry
) -> None:
    response = await client.get(f"/01/{GTIN}?linkType=gs1:hasRetailers", follow_redirects=False)
    assert response.status_code == 300
    (choices,) = response.json()["linkset"]
    assert len(choices["https://gs1.org/voc/hasRetailers"]) >= 2
    assert "location" not in response.headers


async def test_absolute_urls_never_come_from_the_host_header(
    client: AsyncTestClient[Any], demo: DemoRegistry, lot: str
) -> None:
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    answers = [
        await client.get("/.well-known/gs1resolver", headers=evil),
        await client.get(f"/01/{GTIN}/10/{lot}", headers=evil, follow_redirects=False),
        await client.get(f"/01/{GTIN}?linkType=linkset", headers=evil),
        await client.head(f"/01/{GTIN}", headers=evil, follow_redirects=False),
        await client.options(f"/01/{GTIN}", headers={**evil, "Origin": "https://a.example"}),
        await client.get(f"/api/v1/lots/{demo.lots['cam_sanh']}/epcis", headers=evil),
    ]
    for response in answers:
        assert response.status_code < 400, response.text
        assert "evil.example" not in response.text
        assert "evil.example" not in str(response.headers)
    assert answers[0].json()["resolverRoot"] == PUBLIC_URL
    assert answers[1].headers["location"].startswith(PUBLIC_URL + "/")


async def test_every_epcis_export_validates_against_gs1s_schema(
    client: AsyncTestClient[Any],
    demo: DemoRegistry,
    lot: str,
    authority: dict[str, str],
) -> None:
    from traceability.epcis.schema import schema_errors

    lot_id = demo.lots["cam_sanh"]
    coop = demo.cooperatives["cam_sanh"]
    for quantity in (3, 1500):
        batch = await client.post(
            "/api/v1/stamp-batches",
            json={
                "product_id": demo.products["cam_sanh"],
                "quantity": quantity,
                "lot_id": lot_id,
                "cooperative_id": coop,
            },
            headers=authority,
        )
        assert batch.status_code == 201, batch.text
        activated = await client.post(
            "/api/v1/stamps/activations", json={"batch_id": batch.json()["id"]}, headers=authority
        )
        assert activated.status_code == 201, activated.text
    for demo_lot in demo.lots.values():
        document = (await client.get(f"/api/v1/lots/{demo_lot}/epcis")).json()
        assert schema_errors(document) == []
    events = (await client.get(f"/api/v1/lots/{lot_id}/epcis")).json()["epcisBody"]["eventList"]
    stamps_on = [e for e in events if e.get("hg:step") == "stamps_activated"]
    assert len(stamps_on) == 2
    small, large = stamps_on
    assert small["bizStep"] == "commissioning"
    assert small["epcList"][0] == f"https://id.gs1.org/01/{GTIN}/21/{small['hg:firstSerial']}"
    assert len(small["epcList"]) == 3
    assert large["quantityList"] == [
        {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{lot}", "quantity": 1500}
    ]
    # And a document that breaks the schema is told apart, with where and why.
    broken = {"type": "EPCISDocument", "schemaVersion": "2.0", "epcisBody": {"eventList": [{}]}}
    assert schema_errors(broken)
