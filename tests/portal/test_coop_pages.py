"""The cooperative's workspace: activating stamps (numbers, lot, photo), printing an order,
a stamp's story and the dashboard, as staff use them in the portal."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from stamps import issue
from tests.conftest import PUBLIC_URL
from tests.portal.conftest import form_token, sign_in
from tests.portal.coop_world import CoopWorld, coop_world, post_form
from tests.scanning.helpers import path, ring_of
from tests.stamping.photos import blank_photo, phone_photo
from traceability.app import create_app
from traceability.settings import Settings


async def order(web: AsyncTestClient[Any], world: CoopWorld, quantity: str = "2.000") -> int:
    page = await web.get("/portal/orders")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.text)
    assert key
    made = await post_form(
        web,
        "/portal/orders",
        "/portal/orders",
        {
            "product_id": str(world.product_id),
            "lot_id": str(world.lot_id),
            "quantity": quantity,
            "stamp_form": "compact",
            "scratch_pins": "on",
            "idempotency_key": key.group(1),
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return int(made.headers["location"].split("?")[0].rsplit("/", 1)[1])


async def serials(db: asyncpg.Connection, batch: int) -> tuple[int, int]:
    row = await db.fetchrow(
        "SELECT lower(serials) AS first, upper(serials) - 1 AS last FROM stamp_batches"
        " WHERE id = $1",
        batch,
    )
    return row["first"], row["last"]


async def active(db: asyncpg.Connection) -> int:
    return int(
        await db.fetchval(
            "SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM"
            " (SELECT unnest(range_agg(serials)) AS r FROM stamp_activations) s"
        )
    )


def vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


async def test_activate_by_numbers_typed_as_printed_then_again_says_so(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world)
    first, _last = await serials(db, batch)
    done = await post_form(
        web,
        "/portal/activate",
        "/portal/activate",
        {"first_serial": f"Số {vn(first)}", "last_serial": vn(first + 99)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"].startswith(f"/portal/orders/{batch}")
    assert await active(db) == 100
    shown = await web.get(done.headers["location"])
    assert "kích hoạt" in shown.text
    again = await post_form(
        web,
        "/portal/activate",
        "/portal/activate",
        {"first_serial": str(first), "last_serial": str(first + 99)},
    )
    assert "đã được kích hoạt từ trước" in again.text
    assert await db.fetchval("SELECT count(*) FROM stamp_activations") == 1


async def test_activation_errors_stand_beside_their_fields(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world, "100")
    first, last = await serials(db, batch)
    for fields, field in [
        ({"first_serial": "abc", "last_serial": str(first)}, "first_serial"),
        ({"first_serial": str(last), "last_serial": str(first)}, "last_serial"),
        ({"first_serial": str(last + 10_000), "last_serial": str(last + 10_001)}, "first_serial"),
        ({"first_serial": "<script>alert(1)</script>", "last_serial": "1"}, "first_serial"),
    ]:
        answer = await post_form(web, "/portal/activate", "/portal/activate", fields)
        assert answer.status_code == 422, (fields, answer.status_code)
        assert f'id="f-{field}-error"' in answer.text, fields
        assert "<script>alert(1)</script>" not in answer.text
    assert await active(db) == 0


async def test_activate_by_lot(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    await order(web, world, "300")
    done = await post_form(
        web,
        "/portal/activate",
        "/portal/activate/lot",
        {"lot_id": str(world.lot_id)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert await active(db) == 300


async def test_activate_by_photo_of_the_first_and_last_stamp(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world)
    first, _last = await serials(db, batch)
    ring = ring_of(web)
    token = await form_token(web, "/portal/activate")
    read = await web.post(
        "/portal/activate/photos",
        data={"csrf_token": token},
        files=[
            (
                "photo_first",
                ("IMG_1.jpg", phone_photo([issue(first, ring).url(PUBLIC_URL)]), "image/jpeg"),
            ),
            (
                "photo_last",
                (
                    "IMG_2.jpg",
                    phone_photo([issue(first + 499, ring).url(PUBLIC_URL)]),
                    "image/jpeg",
                ),
            ),
        ],
    )
    assert read.status_code == 200, read.text
    # The range is shown to confirm; nothing is active yet.
    assert f"Số {vn(first)} đến Số {vn(first + 499)}" in read.text
    assert await active(db) == 0
    confirm = re.search(
        r'<form method="post" action="/portal/activate" class="stack">(.*?)</form>',
        read.text,
        re.S,
    )
    assert confirm
    hidden = dict(re.findall(r'name="(first_serial|last_serial)" value="(\d+)"', confirm.group(1)))
    done = await post_form(
        web, "/portal/activate", "/portal/activate", hidden, follow_redirects=False
    )
    assert done.status_code == 303
    assert await active(db) == 500


async def test_a_photo_without_a_code_says_how_to_take_it_again(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    await coop_world(web, db, make_user)
    token = await form_token(web, "/portal/activate")
    answer = await web.post(
        "/portal/activate/photos",
        data={"csrf_token": token},
        files=[("photo_first", ("IMG_1.jpg", blank_photo(), "image/jpeg"))],
    )
    assert answer.status_code == 422
    assert "Không đọc được mã QR" in answer.text
    assert 'id="f-photo_first-error"' in answer.text


async def test_print_an_order_as_pdf_and_csv_on_a_chosen_label_sheet(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world, "30")
    page = await web.get(f"/portal/orders/{batch}")
    assert f'action="/portal/orders/{batch}/print"' in page.text
    assert "a4-70x37" in page.text
    pdf = await web.get(
        f"/portal/orders/{batch}/print", params={"format": "pdf", "stock": "a4-70x37"}
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["x-page-count"] == "2"  # 24 labels a sheet
    table = await web.get(f"/portal/orders/{batch}/print", params={"format": "csv"})
    rows = list(csv.reader(io.StringIO(table.text)))
    assert len(rows) == 31
    # Printed: the order can no longer be cancelled at once, only the province may cancel it.
    after = await web.get(f"/portal/orders/{batch}")
    assert f'action="/portal/orders/{batch}/cancel"' not in after.text
    assert f'action="/portal/orders/{batch}/cancellation-request"' in after.text
    bad = await web.get(
        f"/portal/orders/{batch}/print", params={"format": "pdf", "label_mm": "5x5", "grid": "1x1"}
    )
    assert bad.status_code == 422
    assert "<html" in bad.text.lower()


async def test_a_stamps_story_by_number_and_by_photo_with_its_scans(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world, "20")
    first, _last = await serials(db, batch)
    await post_form(web, "/portal/activate", "/portal/activate/lot", {"lot_id": str(world.lot_id)})
    scan = await web.get(path(web, first + 3), headers={"accept-language": "vi"})
    assert scan.is_success
    found = await web.get("/portal/stamps", params={"serial": f"Số {vn(first + 3)}"})
    assert str(found.url).endswith(f"/portal/stamps/{first + 3}")
    assert "Cam sành Hà Giang" in found.text
    assert "CS-2026-11" in found.text
    assert found.text.count('data-label="Khi nào"') + found.text.count('data-label="When"') == 1
    token = await form_token(web, "/portal/stamps")
    photo = phone_photo([issue(first + 3, ring_of(web)).url(PUBLIC_URL)])
    by_photo = await web.post(
        "/portal/stamps/photo",
        data={"csrf_token": token},
        files=[("photo", ("IMG.jpg", photo, "image/jpeg"))],
    )
    assert str(by_photo.url).endswith(f"/portal/stamps/{first + 3}")
    unknown = await web.get("/portal/stamps", params={"serial": "12a"})
    assert unknown.status_code == 422
    assert 'id="f-serial-error"' in unknown.text


async def test_the_dashboard_counts_this_months_stamps_and_scans(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    world = await coop_world(web, db, make_user)
    batch = await order(web, world, "2.000")
    first, _last = await serials(db, batch)
    await post_form(web, "/portal/activate", "/portal/activate/lot", {"lot_id": str(world.lot_id)})
    assert (await web.get(path(web, first))).is_success
    home = await web.get("/portal/")
    assert home.status_code == 200
    cards = re.findall(r'<span class="figure">([^<]+)</span>', home.text)
    assert cards[:3] == ["2.000", "2.000", "1"]
    assert '<svg viewBox="-64 -12 792 200" role="img"' in home.text
    assert "Cam sành Hà Giang" in home.text  # the most scanned product
    # No tile server is set: the page loads no map script and nothing from another host.
    assert "leaflet" not in home.text


async def test_another_cooperatives_stamps_are_not_found(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    mine = await coop_world(web, db, make_user)
    theirs = await coop_world(web, db, make_user, name="HTX Chè Lũng Phìn")
    batch = await order(web, theirs, "50")
    first, last = await serials(db, batch)
    await sign_in(web, mine.staff)
    assert (await web.get(f"/portal/stamps/{first}")).status_code == 404
    assert (await web.get(f"/portal/orders/{batch}/print?format=csv")).status_code == 404
    lookup = await web.get("/portal/stamps", params={"serial": str(first)})
    assert lookup.status_code == 404
    for action, fields in [
        ("/portal/activate", {"first_serial": str(first), "last_serial": str(last)}),
        ("/portal/activate/lot", {"lot_id": str(theirs.lot_id)}),
    ]:
        answer = await post_form(web, "/portal/activate", action, fields)
        assert answer.status_code in (404, 422), (action, answer.status_code)
    assert await active(db) == 0
    assert await db.fetchval("SELECT downloaded_at FROM stamp_batches") is None


async def test_shared_places_are_a_list_offline_and_a_map_with_a_tile_server(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, settings: Settings
) -> None:
    world = await coop_world(web, db, make_user)
    await db.execute(
        "INSERT INTO scan_daily_places (day, cooperative_id, product_id, latitude, longitude,"
        " shard, scans) VALUES ((now() AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, $1, $2,"
        " 22.8, 104.9, 0, 3)",
        world.cooperative_id,
        world.product_id,
    )
    # As the recorder keeps them: a period holding today's whole month reads this one.
    await db.execute(
        "INSERT INTO scan_monthly_cooperative_places (cooperative_id, month, latitude,"
        " longitude, shard, scans) VALUES ($1, date_trunc('month',"
        " (now() AT TIME ZONE 'Asia/Ho_Chi_Minh'))::date, 22.8, 104.9, 0, 3)",
        world.cooperative_id,
    )
    offline = await web.get("/portal/")
    # The default loads nothing from another host: the places are a list, no map script.
    assert "22,8° N, 104,9° E" in offline.text
    assert 'id="scan-map"' not in offline.text
    assert "leaflet" not in offline.text
    tiles = "https://tiles.example.vn/{z}/{x}/{y}.png"
    app = create_app(replace(settings, map_tile_url=tiles, map_tile_attribution="© OSM"))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as online:
        await sign_in(online, world.staff)
        page = await online.get("/portal/")
    assert f'data-tiles="{tiles}"' in page.text
    assert "vendor/leaflet/leaflet.js" in page.text
    assert "22,8° N, 104,9° E" in page.text  # the list stays: the map may fail to load
