"""The receiving page as a clerk uses it: codes typed by a scanner (one per line), photos,
the summary by outcome, then the delivery recorded; others' deliveries are not found."""

from __future__ import annotations

import io
import re
from typing import Any

import asyncpg
import qrcode
from litestar.testing import AsyncTestClient

from tests.deliveries.test_deliveries import _mixed_codes, _store
from tests.portal.conftest import Account, csrf_of, form_token, sign_in
from tests.scanning.helpers import active_batch, stamp
from tests.world import Registry


def _figure(html: str, status: str) -> int:
    found = re.search(rf'data-status="{status}">\s*<span class="figure">([0-9.]+)</span>', html)
    assert found, status
    return int(found.group(1).replace(".", ""))


async def _clerk(
    web: AsyncTestClient[Any], make_user: Any, client: AsyncTestClient[Any], registry: Registry
) -> tuple[Account, int]:
    chain = (await client.get("/api/v1/api-keys/me", headers=registry.retailer)).json()["chain_id"]
    store = await _store(client, registry.retailer)
    clerk: Account = await make_user("retailer", chain=chain, name="Phạm Văn Kho")
    assert (await sign_in(web, clerk)).status_code == 303
    return clerk, store


async def test_a_clerk_checks_and_records_a_mixed_delivery(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
    make_user: Any,
) -> None:
    codes = await _mixed_codes(client, registry, db)
    _, store = await _clerk(web, make_user, client, registry)
    token = await form_token(web, "/portal/receiving")
    # As a scanner types: code, Enter (CR LF from some), code, Enter…
    checked = await web.post(
        "/portal/receiving", data={"codes": "\r\n".join(codes), "csrf_token": token}
    )
    assert checked.status_code == 200, checked.text
    html = checked.text
    assert [
        _figure(html, s) for s in ("activated", "not_activated", "revoked", "suspicious", "invalid")
    ] == [2, 1, 1, 1, 2]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "Tem thật, đã kích hoạt" in html  # Vietnamese first
    # Nothing recorded by a check, and no scan counted.
    assert await db.fetchval("SELECT count(*) FROM deliveries") == 0
    assert await db.fetchval("SELECT count(*) FROM scans") == 0

    kept = re.search(r'name="codes" value="([^"]*)"', html)
    assert kept
    recorded = await web.post(
        "/portal/deliveries",
        data={
            "codes": kept.group(1).replace("&#10;", "\n").replace("&lt;", "<").replace("&gt;", ">"),
            "store_id": str(store),
            "cooperative_id": str(registry.cooperative_id),
            "purchase_order": "ĐH-0042",
            "received_on": "20/11/2026",
            "received_time": "7:30",
            "csrf_token": csrf_of(html),
        },
        follow_redirects=False,
    )
    assert recorded.status_code == 303, recorded.text
    page = await web.get(recorded.headers["location"])
    assert page.status_code == 200
    assert "ĐH-0042" in page.text
    assert "20/11/2026 07:30" in page.text
    assert _figure(page.text, "activated") == 2
    row = await db.fetchrow("SELECT * FROM deliveries")
    assert row["activated"] == 2
    assert row["invalid"] == 2
    assert row["recorded_by_user_id"] is not None

    # A refresh of the delivery's page posts nothing again; the list shows it once.
    listed = await web.get("/portal/deliveries")
    assert listed.text.count(f'/portal/deliveries/{row["id"]}"') == 1


async def test_the_record_form_says_what_is_missing_beside_its_field(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry, 3)
    _, store = await _clerk(web, make_user, client, registry)
    token = await form_token(web, "/portal/receiving")
    empty = await web.post("/portal/receiving", data={"codes": "\n \n", "csrf_token": token})
    assert empty.status_code == 422
    assert 'id="f-codes-error"' in empty.text
    code = stamp(client, batch["first_serial"]).code
    future = await web.post(
        "/portal/deliveries",
        data={
            "codes": code,
            "store_id": str(store),
            "cooperative_id": str(registry.cooperative_id),
            "received_on": "01/01/2999",
            "csrf_token": token,
        },
    )
    assert future.status_code == 422
    assert 'id="f-received_at-error"' in future.text or "tương lai" in future.text
    long_ago = await web.post(
        "/portal/deliveries",
        data={
            "codes": code,
            "store_id": str(store),
            "cooperative_id": str(registry.cooperative_id),
            "received_on": "01/01/1899",
            "csrf_token": token,
        },
    )
    assert long_ago.status_code == 422
    assert "từ năm 1900" in long_ago.text
    assert await db.fetchval("SELECT count(*) FROM deliveries") == 0


async def test_photos_holding_several_stamps_are_read_on_the_server(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
) -> None:
    batch = await active_batch(client, registry, 3)
    await _clerk(web, make_user, client, registry)
    token = await form_token(web, "/portal/receiving")
    from PIL import Image

    sheet = Image.new("L", (900, 320), 255)
    for i in range(3):
        image = qrcode.make(
            stamp(client, batch["first_serial"] + i).url("https://tem.hagiang.gov.vn")
        )
        sheet.paste(image.resize((280, 280)), (20 + 300 * i, 20))
    photo = io.BytesIO()
    sheet.save(photo, "PNG")
    checked = await web.post(
        "/portal/receiving",
        data={"codes": "", "csrf_token": token},
        files=[
            ("photos", ("ke-hang.png", photo.getvalue(), "image/png")),
            ("photos", ("rong.png", b"not an image", "image/png")),
        ],
    )
    assert checked.status_code == 200, checked.text
    assert _figure(checked.text, "activated") == 3
    assert "1 ảnh" in checked.text  # one photo held no readable stamp


async def test_another_chains_delivery_is_not_found_and_the_kit_names_suppliers(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
) -> None:
    batch = await active_batch(client, registry, 3)
    store = await _store(client, registry.retailer)
    recorded = await client.post(
        "/api/v1/deliveries",
        json={
            "store_id": store,
            "cooperative_id": registry.cooperative_id,
            "codes": [stamp(client, batch["first_serial"]).code],
        },
        headers=registry.retailer,
    )
    delivery_id = recorded.json()["id"]
    stranger = await make_user("retailer", name="Người chuỗi khác")
    await sign_in(web, stranger)
    assert (await web.get(f"/portal/deliveries/{delivery_id}")).status_code == 404
    assert f"/portal/deliveries/{delivery_id}" not in (await web.get("/portal/deliveries")).text
    kit = await web.get("/portal/offline-kit")
    assert 'href="/.well-known/stamps/revocations.json"' in kit.text
    assert f"cooperative={registry.cooperative_id}" not in kit.text  # not their supplier

    web.cookies.clear()
    chain = (await client.get("/api/v1/api-keys/me", headers=registry.retailer)).json()["chain_id"]
    clerk = await make_user("retailer", chain=chain, name="Kho của chuỗi")
    await sign_in(web, clerk)
    assert (await web.get(f"/portal/deliveries/{delivery_id}")).status_code == 200
    kit = await web.get("/portal/offline-kit")
    assert (
        f'href="/.well-known/stamps/manifest.json?cooperative={registry.cooperative_id}"'
        in kit.text
    )


async def test_a_long_delivery_lists_only_the_stamps_to_act_on(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
) -> None:
    batch = await active_batch(client, registry, 60)
    await _clerk(web, make_user, client, registry)
    codes = [stamp(client, batch["first_serial"] + i).code for i in range(60)]
    codes += ["hỏng 1", "hỏng 2"]
    token = await form_token(web, "/portal/receiving")
    checked = await web.post(
        "/portal/receiving", data={"codes": "\n".join(codes), "csrf_token": token}
    )
    assert checked.status_code == 200
    assert _figure(checked.text, "activated") == 60
    assert checked.text.count('<tr class="line-') == 2
    assert "60 tem thật, đã kích hoạt không được liệt kê" in checked.text
