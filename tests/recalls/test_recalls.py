"""A lot recalled by its cooperative or the authority: every stamp of the lot says so."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.scanning.helpers import active_batch, path, scan_json
from tests.scanning.test_scan_page import check_html
from tests.world import Registry, order

REASON = "Phát hiện dư lượng thuốc bảo vệ thực vật <vượt ngưỡng>"


async def _recall(
    client: AsyncTestClient[Any], headers: dict[str, str], lot_id: int, reason: str = REASON
) -> Any:
    return await client.post(
        f"/api/v1/lots/{lot_id}/recall", json={"reason": reason}, headers=headers
    )


async def test_a_recalled_lot_shows_on_every_stamp_of_it(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)  # stamps of registry.lot_id
    other = await order(
        client, registry.coop, registry.product_id, 10, lot_id=registry.other_lot_id
    )
    await client.post(
        "/api/v1/stamps/activations", json={"batch_id": other["id"]}, headers=registry.coop
    )
    before = await client.get(path(client, batch["first_serial"]))
    assert "thu hồi" not in before.text

    recalled = await _recall(client, registry.coop, registry.lot_id)
    assert recalled.status_code == 201, recalled.text
    body = recalled.json()
    assert body["reason"] == REASON
    assert body["recalled_by_role"] == "cooperative"
    entry = await db.fetchrow("SELECT action, entity, entity_id FROM audit_log ORDER BY id DESC")
    assert dict(entry) == {"action": "recall", "entity": "lot", "entity_id": str(registry.lot_id)}

    for serial in (batch["first_serial"], batch["first_serial"] + 57, batch["last_serial"]):
        page = await client.get(path(client, serial))
        assert page.status_code == 200
        assert check_html(page.text) == "vi"
        main = page.text.split("<main>")[1].lstrip()
        # First thing on the page, before the verdict: what happened and what to do.
        assert main.startswith('<div class="b bad" id="recall" role="alert">')
        assert main.split("</h1>")[0].endswith("<h1>Sản phẩm bị thu hồi")
        assert "Phát hiện dư lượng thuốc bảo vệ thực vật &lt;vượt ngưỡng&gt;" in main
        assert "Không sử dụng sản phẩm" in main
        assert "/buy/" not in main  # no "buy again" for a recalled lot
        english = await client.get(path(client, serial) + "?lang=en")
        assert "<h1>Product recalled</h1>" in english.text
        answer = await scan_json(client, path(client, serial))
        assert answer["origin"]["lot"]["recall"]["reason"] == REASON
    # A stamp of the lot spoilt when applied and replaced: its words never say the product
    # is fine while the lot is recalled.
    spoilt = batch["first_serial"] + 3
    revoked = await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": spoilt, "last_serial": spoilt, "category": "damaged_replaced"},
        headers=registry.coop,
    )
    assert revoked.status_code == 201, revoked.text
    for lang, replaced, fine in (
        ("vi", "<h1>Tem đã được thay thế</h1>", "không bị ảnh hưởng"),
        ("en", "<h1>Stamp replaced</h1>", "not affected"),
    ):
        html = (await client.get(path(client, spoilt) + f"?lang={lang}")).text
        assert 'id="recall"' in html
        assert replaced in html
        assert fine not in html, lang
    # Stamps of the product's other lot are not recalled.
    unaffected = await client.get(path(client, other["first_serial"]))
    assert "thu hồi" not in unaffected.text
    assert (await scan_json(client, path(client, other["first_serial"])))["origin"]["lot"][
        "recall"
    ] is None

    # The product page of the lot and the GS1 linkset say so too.
    gtin = await db.fetchval("SELECT gtin FROM products WHERE id = $1", registry.product_id)
    lot_page = await client.get(f"/p/01/{gtin}/10/CS-2024-11")
    assert 'id="recall"' in lot_page.text
    linkset = (await client.get(f"/01/{gtin}/10/CS-2024-11?linkType=linkset")).json()
    lot_anchor = linkset["linkset"][0]
    (status,) = lot_anchor["https://gs1.org/voc/recallStatus"]
    assert status["href"].endswith(f"/p/01/{gtin}/10/CS-2024-11#recall")
    assert REASON in status["title"]
    other_set = (await client.get(f"/01/{gtin}/10/CS-2024-12?linkType=linkset")).json()
    (fine,) = other_set["linkset"][0]["https://gs1.org/voc/recallStatus"]
    assert "Not recalled" in fine["title"]
    shown = await client.get(f"/api/v1/lots/{registry.lot_id}/recall", headers=registry.retailer)
    assert shown.json()["reason"] == REASON


async def test_who_may_recall(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    assert_problem(await _recall(client, registry.other_coop, registry.lot_id), 404)
    assert_problem(await _recall(client, registry.retailer, registry.lot_id), 403)
    assert_problem(await client.post(f"/api/v1/lots/{registry.lot_id}/recall", json={}), 401)
    assert_problem(await _recall(client, registry.coop, registry.lot_id, reason=" "), 400)
    assert_problem(await _recall(client, registry.coop, 999_999), 404)
    assert_problem(
        await client.get(f"/api/v1/lots/{registry.lot_id}/recall", headers=registry.coop), 404
    )
    by_authority = await _recall(client, authority, registry.lot_id)
    assert by_authority.status_code == 201
    assert by_authority.json()["recalled_by_role"] == "authority"
    assert_problem(await _recall(client, registry.coop, registry.lot_id), 409)
