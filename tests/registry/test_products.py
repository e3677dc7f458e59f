"""Products, certifications and marketplace listings."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.registry.conftest import Headers, counts, created, jsonb, product_body
from tests.world import World, gtin13

pytestmark = pytest.mark.anyio

URL = "/api/v1/products"


async def test_product_with_ocop_certificate(client: AsyncTestClient[Any], world: World) -> None:
    body = product_body(
        None,
        name_en="Ha Giang king orange",
        gtin="8938534000017",
        brand="Cam sành Anh Tài",
        ocop_stars=4,
        ocop_score=78,
        ocop_certificate_no="61/QĐ-UBND-2023",
        ocop_issued_on="2023-03-15",
        geographical_indication="Cam sành Hà Giang",
        description="Vỏ xanh,\nmúi mọng.",
        image_url="https://tem.hagiang.gov.vn/img/cam.jpg",
    )
    product = await created(client, URL, body, world.a.key)
    assert product["cooperative_id"] == world.a.cooperative_id
    assert product["gtin"] == "08938534000017"  # GTIN-13 stored as GTIN-14
    assert product["ocop_expires_on"] == "2026-03-15"  # 36 months by default
    assert product["description"] == "Vỏ xanh,\nmúi mọng."
    got = await client.get(f"{URL}/{product['id']}", headers=world.retailer)
    assert got.json() == product


@pytest.mark.parametrize(
    ("issued", "expected"), [("2024-02-29", "2027-02-28"), ("2023-01-31", "2026-01-31")]
)
async def test_ocop_default_expiry_handles_month_ends(
    client: AsyncTestClient[Any], world: World, issued: str, expected: str
) -> None:
    body = product_body(None, ocop_stars=3, ocop_score=55, ocop_issued_on=issued)
    assert (await created(client, URL, body, world.a.key))["ocop_expires_on"] == expected


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"gtin": "8938534000018"}, "check digit (expected 7)"),
        ({"gtin": "893853400001"}, "check digit"),
        ({"gtin": "89385340000170"}, "check digit"),
        ({"gtin": "12345"}, "gtin"),
        ({"gtin": "893853400001a"}, "GTIN has"),
        ({"ocop_stars": 4, "ocop_score": 91}, "does not match 4 stars"),
        ({"ocop_stars": 5, "ocop_score": 89}, "does not match 5 stars"),
        ({"ocop_stars": 3, "ocop_score": 70}, "does not match 3 stars"),
        ({"ocop_stars": 6}, "ocop_stars"),
        ({"ocop_score": 60}, "star rating"),
        ({"ocop_certificate_no": "12/QĐ"}, "star rating"),
        (
            {"ocop_stars": 4, "ocop_issued_on": "2024-01-01", "ocop_expires_on": "2023-12-31"},
            "expire after",
        ),
        ({"ocop_stars": 4, "ocop_issued_on": "2024-02-30"}, "ocop_issued_on"),
        ({"category": "cars"}, "category"),
        ({"image_url": "http://x.vn/a.jpg"}, "https://"),
        ({"image_url": "https://localhost/a.jpg"}, "public host"),
        ({"name_vi": ""}, "name_vi"),
        ({"description": "x" * 5001}, "description"),
        ({"stars": 4}, "stars"),
    ],
)
async def test_bad_products_are_refused_and_change_nothing(
    client: AsyncTestClient[Any],
    world: World,
    db: asyncpg.Connection,
    change: dict[str, Any],
    needle: str,
) -> None:
    before = await counts(db)
    response = await client.post(URL, json=product_body(None, **change), headers=world.a.key)
    body = assert_problem(response, 400)
    assert needle in json.dumps(body, ensure_ascii=False), body
    assert await counts(db) == before


async def test_gtin_is_unique_whatever_its_length(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    before = await counts(db)
    same = "0" + gtin13(1)  # product A's GTIN-13, typed as GTIN-14
    response = await client.post(URL, json=product_body(None, gtin=same), headers=world.b.key)
    assert "GTIN" in assert_problem(response, 409)["detail"]
    assert await counts(db) == before


async def test_patch_product_keeps_ocop_rules_on_the_merged_record(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    url = f"{URL}/{world.a.product_id}"
    ok = await client.patch(url, json={"ocop_stars": 5, "ocop_score": 92}, headers=world.a.key)
    assert ok.status_code == 200, ok.text
    before = await counts(db)
    # Stars alone would leave 92 points under 3 stars.
    response = await client.patch(url, json={"ocop_stars": 3}, headers=world.a.key)
    assert "does not match 3 stars" in assert_problem(response, 422)["detail"]
    assert await counts(db) == before
    entry = await db.fetchrow(
        "SELECT * FROM audit_log WHERE entity = 'product' AND action = 'update'"
    )
    assert jsonb(entry["before"])["ocop_stars"] is None
    assert jsonb(entry["after"])["ocop_score"] == 92


async def test_list_filters(client: AsyncTestClient[Any], world: World) -> None:
    await created(
        client, URL, product_body(None, name_vi="Chè Shan tuyết", category="tea",
                                  ocop_stars=4, ocop_score=80), world.a.key
    )  # fmt: skip
    h = world.retailer

    async def names(**params: Any) -> list[str]:
        response = await client.get(URL, params=params, headers=h)
        assert response.status_code == 200, response.text
        return [p["name_vi"] for p in response.json()["items"]]

    assert await names(category="tea") == ["Chè Shan tuyết"]
    assert await names(ocop_stars=4) == ["Chè Shan tuyết"]
    assert await names(cooperative_id=world.b.cooperative_id) == ["Cam sành Hà Giang"]
    assert len(await names(gtin=gtin13(2))) == 1  # GTIN-13 finds the GTIN-14
    assert await names(sort="-name", cooperative_id=world.a.cooperative_id) == [
        "Chè Shan tuyết", "Cam sành Hà Giang",
    ]  # fmt: skip
    assert_problem(await client.get(URL, params={"gtin": "123"}, headers=h), 422)
    assert_problem(await client.get(URL, params={"sort": "price"}, headers=h), 400)
    assert_problem(await client.get(URL, params={"ocop_stars": 2}, headers=h), 400)


async def test_delete_product_refused_while_it_has_lots(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    before = await counts(db)
    response = await client.delete(f"{URL}/{world.a.product_id}", headers=world.a.key)
    assert_problem(response, 409)
    assert await counts(db) == before
    spare = await created(client, URL, product_body(None, name_vi="Mận"), world.a.key)
    assert (await client.delete(f"{URL}/{spare['id']}", headers=world.a.key)).status_code == 204
    assert_problem(await client.get(f"{URL}/{spare['id']}", headers=world.a.key), 404)


async def test_certifications(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    url = f"{URL}/{world.a.product_id}/certifications"
    listed = (await client.get(url, headers=world.retailer)).json()
    assert [c["scheme"] for c in listed] == ["VietGAP"]
    before = await counts(db)
    bad = {"scheme": "Hữu cơ", "issued_on": "2024-05-01", "expires_on": "2024-05-01"}
    assert_problem(await client.post(url, json=bad, headers=world.a.key), 400)
    assert await counts(db) == before
    gone = await client.delete(f"{url}/{world.a.certification_id}", headers=world.a.key)
    assert gone.status_code == 204
    assert (await client.get(url, headers=world.retailer)).json() == []
    again = await client.delete(f"{url}/{world.a.certification_id}", headers=world.a.key)
    assert_problem(again, 404)
    # B's certification is not under A's product.
    other = await client.delete(f"{url}/{world.b.certification_id}", headers=world.authority)
    assert_problem(other, 404)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "http://voso.vn/cam",
        "https://user:pw@voso.vn/cam",
        "https://192.168.1.10/cam",
        "https://voso/cam",
        "https://voso.vn:99999/cam",
        "https://-voso.vn/cam",
        "https://voso.vn/cam sanh",
        "https:///cam",
        "HTTPS://voso.vn/\x00",
    ],
)
async def test_listing_urls_must_be_https_on_a_real_host(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection, url: str
) -> None:
    before = await counts(db)
    response = await client.post(
        f"{URL}/{world.a.product_id}/listings",
        json={"platform": "voso", "url": url},
        headers=world.a.key,
    )
    assert_problem(response, 400)
    assert await counts(db) == before


async def test_listings(client: AsyncTestClient[Any], world: World, db: asyncpg.Connection) -> None:
    url = f"{URL}/{world.a.product_id}/listings"
    added = await created(
        client, url,
        {"platform": "shopee", "url": "https://shopee.vn/cam-sanh", "label": "Mua trên Shopee"},
        world.a.key,
    )  # fmt: skip
    listed = (await client.get(url, headers=world.retailer)).json()
    assert [x["platform"] for x in listed] == ["voso", "shopee"]
    assert listed[1] == added
    dup = {"platform": "other", "url": "https://shopee.vn/cam-sanh"}
    assert_problem(await client.post(url, json=dup, headers=world.a.key), 409)
    assert_problem(await client.post(url, json={"platform": "amazon", "url": "https://a.com/x"},
                                     headers=world.a.key), 400)  # fmt: skip
    assert (await client.delete(f"{url}/{added['id']}", headers=world.a.key)).status_code == 204
    entry = await db.fetchrow(
        "SELECT * FROM audit_log WHERE entity = 'marketplace_listing' AND action = 'delete'"
    )
    assert jsonb(entry["before"])["url"] == "https://shopee.vn/cam-sanh"
    assert_problem(await client.get(f"{URL}/999/listings", headers=world.retailer), 404)


async def test_origin_of_a_lot_of_another_product_shows_no_lot(
    client: AsyncTestClient[Any], world: World, authority: Headers
) -> None:
    response = await client.get(
        f"{URL}/{world.a.product_id}/origin", params={"lot_id": world.b.lot_id}, headers=authority
    )
    origin = response.json()
    assert origin["lot"] is None
    assert origin["timeline"] == []
    assert origin["planting_area"] is None
    assert origin["cooperative"]["id"] == world.a.cooperative_id
    assert_problem(await client.get(f"{URL}/999/origin", headers=authority), 404)
