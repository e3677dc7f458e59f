"""Products in the portal: register, search without tone marks, correct (a blank field
clears it), certifications, delete; another cooperative's products are not found."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import sign_in
from tests.portal.coop_world import coop_world, post_form

HONEY = {
    "name_vi": "Mật ong bạc hà Mèo Vạc",
    "category": "honey",
    "gtin": "8938600000019",
    "ocop_stars": "4",
    "ocop_score": "75",
    "ocop_issued_on": "15/03/2025",
    "description": "Mật ong <b>nguyên chất</b>\nthu hoạch mùa hoa bạc hà",
}


async def test_register_a_product_find_it_and_correct_it(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    await coop_world(web, db, make_user)
    made = await post_form(
        web, "/portal/products", "/portal/products", HONEY, follow_redirects=False
    )
    assert made.status_code == 303, made.text
    row = await db.fetchrow("SELECT * FROM products WHERE category = 'honey'")
    assert row["gtin"] == "08938600000019"
    assert str(row["ocop_expires_on"]) == "2028-03-15"  # 36 months after issue
    page = await web.get(made.headers["location"])
    assert "Mật ong &lt;b&gt;nguyên chất&lt;/b&gt;" in page.text
    found = await web.get("/portal/products", params={"q": "mat ong bac ha"})
    assert f'href="/portal/products/{row["id"]}"' in found.text
    assert found.text.count('<a href="/portal/products/') == 1
    path = f"/portal/products/{row['id']}"
    saved = await post_form(
        web, path, path, {**HONEY, "gtin": "", "brand": "Mèo Vạc"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    after = await db.fetchrow("SELECT * FROM products WHERE id = $1", row["id"])
    assert after["gtin"] is None
    assert after["brand"] == "Mèo Vạc"


async def test_product_errors_stand_beside_their_fields(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    taken = await db.fetchval("SELECT gtin FROM products WHERE id = $1", world.product_id)
    for fields, field in [
        ({"gtin": "8938600000018"}, "gtin"),  # wrong check digit
        ({"gtin": taken}, "gtin"),
        ({"ocop_stars": "5", "ocop_score": "60"}, "ocop_score"),
        ({"ocop_issued_on": "15/03/2025", "ocop_expires_on": "01/01/2025"}, "ocop_expires_on"),
        ({"image_url": "http://example.com/a.jpg"}, "image_url"),
        ({"name_vi": ""}, "name_vi"),
    ]:
        answer = await post_form(
            web, "/portal/products", "/portal/products", {**HONEY, "gtin": "", **fields}
        )
        assert answer.status_code == 422, fields
        assert f'id="f-{field}-error"' in answer.text, fields
    assert await db.fetchval("SELECT count(*) FROM products") == 1


async def test_certifications_and_deleting_a_product(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    path = f"/portal/products/{world.product_id}"
    added = await post_form(
        web,
        path,
        path + "/certifications",
        {
            "scheme": "VietGAP",
            "number": "VG-123",
            "issued_on": "01/06/2025",
            "expires_on": "01/06/2027",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    cert = await db.fetchval("SELECT id FROM product_certifications")
    assert "VG-123" in (await web.get(path)).text
    bad = await post_form(
        web,
        path,
        path + "/certifications",
        {"scheme": "VietGAP", "issued_on": "01/06/2025", "expires_on": "01/01/2025"},
    )
    assert bad.status_code == 422
    assert 'id="f-expires_on-error"' in bad.text
    removed = await post_form(web, path, f"{path}/certifications/{cert}/delete", {})
    assert removed.status_code == 200
    assert await db.fetchval("SELECT count(*) FROM product_certifications") == 0
    # The product has a lot: it cannot be deleted.
    refused = await post_form(web, path, path + "/delete", {})
    assert refused.status_code == 409
    await db.execute("DELETE FROM lots")
    gone = await post_form(web, path, path + "/delete", {}, follow_redirects=False)
    assert gone.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM products") == 0


async def test_another_cooperatives_products_are_not_found_and_unchanged(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    mine = await coop_world(web, db, make_user)
    theirs = await coop_world(web, db, make_user, name="HTX Chè Lũng Phìn")
    await sign_in(web, mine.staff)
    path = f"/portal/products/{theirs.product_id}"
    assert (await web.get(path)).status_code == 404
    assert path not in (await web.get("/portal/products")).text
    before = await db.fetch("SELECT * FROM products ORDER BY id")
    for action, fields in [
        (path, HONEY),
        (path + "/delete", {}),
        (path + "/certifications", {"scheme": "VietGAP", "issued_on": "01/06/2025"}),
    ]:
        answer = await post_form(web, "/portal/products", action, fields)
        assert answer.status_code == 404, action
    assert await db.fetch("SELECT * FROM products ORDER BY id") == before
    assert await db.fetchval("SELECT count(*) FROM product_certifications") == 0


async def test_marketplace_listings_on_the_product_page(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    path = f"/portal/products/{world.product_id}"
    bad = await post_form(
        web, path, path + "/listings", {"platform": "voso", "url": "http://voso.vn/cam"}
    )
    assert bad.status_code == 422
    assert 'id="f-url-error"' in bad.text
    added = await post_form(
        web,
        path,
        path + "/listings",
        {"platform": "voso", "url": "https://voso.vn/cam-sanh", "label": "Mua trên Voso"},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    page = await web.get(path)
    assert "https://voso.vn/cam-sanh" in page.text
    listing = await db.fetchval("SELECT id FROM marketplace_listings")
    removed = await post_form(web, path, f"{path}/listings/{listing}/delete", {})
    assert removed.status_code == 200
    assert await db.fetchval("SELECT count(*) FROM marketplace_listings") == 0
