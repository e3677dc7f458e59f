"""A delivery on its lot's page: the lot's cooperative sees which supermarket received its
stamps and when, the chain sees the lot's timeline with its own deliveries; buyers and other
chains never do."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.authority.conftest import sign_in_official
from tests.deliveries.test_deliveries import _store
from tests.portal.conftest import sign_in
from tests.scanning.helpers import active_batch, path, stamp
from tests.world import Registry
from traceability.accounts.demo import DEMO_TOTP_SECRET


async def test_a_delivery_shows_on_its_lots_page_and_never_to_buyers(
    web: AsyncTestClient[Any], client: AsyncTestClient[Any], registry: Registry, make_user: Any
) -> None:
    batch = await active_batch(client, registry)
    first = batch["first_serial"]
    store = await _store(client, registry.retailer, name="Siêu thị Ba Đình <b>")
    recorded = await client.post(
        "/api/v1/deliveries",
        json={
            "store_id": store,
            "cooperative_id": registry.cooperative_id,
            "purchase_order": "PO-2026/7",
            "received_at": "2026-11-20T07:30:00+07:00",
            "codes": [stamp(client, first).code, stamp(client, first + 1).code],
        },
        headers=registry.retailer,
    )
    assert recorded.status_code == 201, recorded.text
    delivery = recorded.json()

    staff = await make_user("cooperative", cooperative_id=registry.cooperative_id)
    assert (await sign_in(web, staff)).status_code == 303
    page = await web.get(f"/portal/lots/{registry.lot_id}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Siêu thị đã nhận" in text
    assert "Đã nhận tại Siêu thị Ba Đình &lt;b&gt; (" in text  # escaped like any text
    assert "20/11/2026 07:30" in text
    assert "PO-2026/7" in text
    assert f'href="/portal/deliveries/{delivery["id"]}"' in text
    # The public timeline's words stay about the public steps only.
    assert text.index("Siêu thị đã nhận") > text.index('id="timeline"')

    for shown in (
        await client.get(path(client, first)),
        await client.get(path(client, first), headers={"Accept": "application/json"}),
    ):
        assert shown.status_code == 200
        assert "Ba Đình" not in shown.text
        assert "PO-2026/7" not in shown.text


async def test_the_authority_finds_a_lots_deliveries_from_its_case(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry)
    store = await _store(client, registry.retailer, name="Kho Long Biên")
    recorded = await client.post(
        "/api/v1/deliveries",
        json={
            "store_id": store,
            "cooperative_id": registry.cooperative_id,
            "codes": [stamp(client, batch["first_serial"]).code],
        },
        headers=registry.retailer,
    )
    assert recorded.status_code == 201, recorded.text
    serial = batch["first_serial"] + 5
    await db.execute(
        "INSERT INTO stamps (serial, batch_id, suspicious_at, suspicious_rule, suspicious_reason)"
        " VALUES ($1, $2, now(), 'far_apart', 'seen 1150 km apart within 1.0 h')",
        serial,
        batch["id"],
    )
    official = await make_user("authority", name="Trần Văn Bình")
    await db.execute(
        "UPDATE users SET totp_secret = $2 WHERE id = $1", official.id, DEMO_TOTP_SECRET
    )
    await sign_in_official(web, official)
    case = await web.get(f"/portal/cases/{serial}")
    link = f"/portal/deliveries?lot={registry.lot_id}"
    assert f'href="{link}"' in case.text
    listed = await web.get(link)
    assert listed.status_code == 200
    assert "Kho Long Biên" in listed.text
    for other in ("999999", "abc", "9" * 30, "-1"):
        none = await web.get(f"/portal/deliveries?lot={other}")
        assert none.status_code == 200, other
        assert "Kho Long Biên" not in none.text


async def test_a_chain_opens_the_timeline_of_a_lot_it_received_and_no_other(
    web: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
    make_key: Any,
) -> None:
    batch = await active_batch(client, registry)
    me = (await client.get("/api/v1/api-keys/me", headers=registry.retailer)).json()
    store = await _store(client, registry.retailer, name="Siêu thị Hoàn Kiếm")
    rival = await make_key("retailer")
    rival_store = await _store(client, rival, name="Cửa hàng Đối Thủ")
    for key, where, po in ((registry.retailer, store, "PO-A"), (rival, rival_store, "PO-B")):
        recorded = await client.post(
            "/api/v1/deliveries",
            json={
                "store_id": where,
                "cooperative_id": registry.cooperative_id,
                "purchase_order": po,
                "received_at": "2026-11-21T09:15:00+07:00",
                "codes": [stamp(client, batch["first_serial"]).code],
            },
            headers=key,
        )
        assert recorded.status_code == 201, recorded.text
    delivery = recorded.json()["id"]  # the rival's

    clerk = await make_user("retailer", chain=me["chain_id"], name="Lê Thị Nhận")
    assert (await sign_in(web, clerk)).status_code == 303
    mine = (await web.get("/portal/deliveries")).text
    own = re.search(r'href="/portal/deliveries/(\d+)"', mine)
    assert own is not None
    received = await web.get(f"/portal/deliveries/{own.group(1)}")
    lot_link = f'href="/portal/deliveries/lots/{registry.lot_id}"'
    assert lot_link in received.text  # the delivery's lot opens its timeline

    page = await web.get(f"/portal/deliveries/lots/{registry.lot_id}")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Lô CS-2024-11" in text
    assert "Cam sành Hà Giang" in text
    assert "HTX Anh Tài" in text
    # The cooperative's public steps, then the chain's own delivery: never the rival's.
    assert "Kho HTX Anh Tài" in text
    assert "Thu hoạch" in text
    assert "Đã nhận tại Siêu thị Hoàn Kiếm" in text
    assert "PO-A" in text
    assert "21/11/2026 09:15" in text
    assert "Đối Thủ" not in text
    assert "PO-B" not in text
    assert "Chỉ chuỗi của bạn" in text
    # A lot the chain never received, another chain's delivery, a lot that does not exist.
    for missing in (
        f"/portal/deliveries/lots/{registry.other_lot_id}",
        f"/portal/deliveries/{delivery}",
        "/portal/deliveries/lots/999999999",
    ):
        assert (await web.get(missing)).status_code == 404, missing
