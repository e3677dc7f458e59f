"""Reading stamps from photos to activate them: the first and last stamp of a roll."""

from __future__ import annotations

import io
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient
from PIL import Image

from stamps import issue
from tests.conftest import PUBLIC_URL, assert_problem
from tests.scanning.helpers import ring_of
from tests.stamping.photos import blank_photo, phone_photo
from tests.world import Registry, order


def url(client: AsyncTestClient[Any], serial: int) -> str:
    return issue(serial, ring_of(client)).url(PUBLIC_URL)


def files(*photos: bytes) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("photo", (f"IMG_{i}.jpg", p, "image/jpeg")) for i, p in enumerate(photos)]


async def test_first_and_last_stamp_of_a_roll_give_the_range_to_activate(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 2000, lot_id=registry.lot_id)
    first, last = batch["first_serial"], batch["first_serial"] + 499
    reading = await client.post(
        "/api/v1/stamps/photo-reading",
        files=files(phone_photo([url(client, first)]), phone_photo([url(client, last)])),
        headers=registry.coop,
    )
    assert reading.status_code == 200, reading.text
    body = reading.json()
    assert [s["serial"] for s in body["stamps"]] == [first, last]
    assert body["ranges"] == [
        {
            "batch_id": batch["id"],
            "product_id": registry.product_id,
            "product_name": "Cam sành Hà Giang",
            "lot_id": registry.lot_id,
            "first_serial": first,
            "last_serial": last,
            "count": 500,
            "already_active": 0,
            "order_status": "ordered",
        }
    ]
    assert body["photos"] == 2
    assert body["photos_without_code"] == 0
    # Reading changes nothing; the person confirms the range.
    assert await db.fetchval("SELECT count(*) FROM stamp_activations") == 0
    confirmed = await client.post(
        "/api/v1/stamps/activations",
        json={"first_serial": first, "last_serial": last},
        headers=registry.coop,
    )
    assert confirmed.json()["newly_active"] == 500
    again = await client.post(
        "/api/v1/stamps/photo-reading",
        files=files(phone_photo([url(client, first), url(client, last)])),
        headers=registry.coop,
    )
    assert again.json()["ranges"][0]["already_active"] == 500
    assert all(s["active"] for s in again.json()["stamps"])


async def test_several_stamps_in_one_photo_and_several_orders(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    one = await order(client, registry.coop, registry.product_id, 100)
    two = await order(client, registry.coop, registry.product_id, 100)
    serials = [one["first_serial"] + 3, one["first_serial"] + 9, two["first_serial"] + 50]
    photo = phone_photo([url(client, s) for s in serials])
    reading = await client.post(
        "/api/v1/stamps/photo-reading", files=files(photo), headers=registry.coop
    )
    body = reading.json()
    assert [(r["batch_id"], r["first_serial"], r["last_serial"]) for r in body["ranges"]] == [
        (one["id"], serials[0], serials[1]),
        (two["id"], serials[2], serials[2]),
    ]


async def test_foreign_codes_other_tenants_and_blank_photos(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    mine = await order(client, registry.coop, registry.product_id, 10)
    theirs = await order(client, registry.other_coop, registry.other_product_id, 10)
    photo = phone_photo(
        [
            url(client, mine["first_serial"]),
            url(client, theirs["first_serial"]),
            "https://shopee.vn/cam-sanh",
            # A copy with one digit changed: not a genuine signature.
            url(client, mine["last_serial"])[:-1] + "0"
            if not url(client, mine["last_serial"]).endswith("0")
            else url(client, mine["last_serial"])[:-1] + "1",
        ]
    )
    body = (
        await client.post(
            "/api/v1/stamps/photo-reading",
            files=files(photo, blank_photo()),
            headers=registry.coop,
        )
    ).json()
    assert [s["serial"] for s in body["stamps"]] == [mine["first_serial"]]
    assert body["stamps_of_others"] == 1
    assert body["codes_not_ours"] == 2
    assert body["photos_without_code"] == 1
    assert "HTX" not in str(body)  # nothing about the other cooperative's order

    nothing = await client.post(
        "/api/v1/stamps/photo-reading", files=files(blank_photo()), headers=registry.coop
    )
    assert "No QR code" in assert_problem(nothing, 422)["detail"]
    not_image = await client.post(
        "/api/v1/stamps/photo-reading",
        files=[("photo", ("x.jpg", b"<script>alert(1)</script>", "image/jpeg"))],
        headers=registry.coop,
    )
    assert_problem(not_image, 422)
    # A multipart form with no part at all (Litestar's list reader failed on it: a 500).
    empty = await client.post(
        "/api/v1/stamps/photo-reading",
        content=b"--x--\r\n",
        headers={**registry.coop, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert "photo" in assert_problem(empty, 422)["detail"]
    retailer = await client.post(
        "/api/v1/stamps/photo-reading", files=files(blank_photo()), headers=registry.retailer
    )
    assert_problem(retailer, 403)


async def test_an_image_too_large_to_be_a_photo_is_refused_before_decoding(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    huge = io.BytesIO()
    Image.new("1", (9000, 8000), 1).save(huge, "PNG")  # 72 megapixels in a few kilobytes
    assert len(huge.getvalue()) < 100_000
    answer = await client.post(
        "/api/v1/stamps/photo-reading",
        files=[("photo", ("bomb.png", huge.getvalue(), "image/png"))],
        headers=registry.coop,
    )
    assert_problem(answer, 422)
