"""Words that fit the cause: each revocation category has its own heading and advice."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.scanning.helpers import active_batch, path, scan_json
from tests.scanning.test_scan_page import check_html
from tests.world import Registry

ADVICE = {
    # category: (Vietnamese heading, a phrase of its advice, English heading)
    "damaged_replaced": ("Tem đã được thay thế", "Hãy quét tem mới", "Stamp replaced"),
    "recalled": ("Sản phẩm đã bị thu hồi", "Mang sản phẩm trả lại", "Product recalled"),
    "counterfeit": ("Tem giả", "Giữ lại hoá đơn", "Counterfeit stamp"),
    "other": ("Tem đã bị thu hồi", "Hãy hỏi người bán", "Stamp revoked"),
}


async def _revoke(
    client: AsyncTestClient[Any], registry: Registry, serial: int, **body: Any
) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": serial, "last_serial": serial, **body},
        headers=registry.coop,
    )
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


@pytest.mark.parametrize("category", list(ADVICE))
async def test_each_revocation_category_has_its_own_words(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection, category: str
) -> None:
    batch = await active_batch(client, registry)
    serial = batch["first_serial"] + 2
    result = await _revoke(client, registry, serial, category=category, reason="Lô 12 <b>")
    assert result["ranges"][0]["category"] == category
    heading, advice, english = ADVICE[category]
    page = await client.get(path(client, serial))
    assert page.status_code == 200
    assert check_html(page.text) == "vi"
    assert f"<h1>{heading}</h1>" in page.text
    assert advice in page.text
    assert "Lý do: Lô 12 &lt;b&gt;" in page.text
    assert "Bạn nên làm gì" in page.text
    assert 'action="' + path(client, serial) + '/report"' in page.text
    if category == "damaged_replaced":
        # The product is fine: no "do not use it" for a stamp spoilt when it was applied.
        assert "Không sử dụng" not in page.text
        assert "không bị ảnh hưởng" in page.text
    en = await client.get(path(client, serial) + "?lang=en")
    assert f"<h1>{english}</h1>" in en.text
    body = await scan_json(client, path(client, serial))
    assert body["verdict"] == "revoked"
    assert body["revocation_category"] == category
    assert await db.fetchval("SELECT category FROM stamp_revocations") == category


async def test_revocations_default_to_other_and_refuse_unknown_categories(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    result = await _revoke(client, registry, batch["first_serial"])
    assert result["ranges"][0]["category"] == "other"
    wrong = await client.post(
        "/api/v1/stamps/revocations",
        json={"batch_id": batch["id"], "category": "lost"},
        headers=registry.coop,
    )
    assert_problem(wrong, 400)


async def test_english_pages_are_english_throughout(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    page = (await client.get(path(client, batch["first_serial"]) + "?lang=en")).text
    main = page.split("<main>")[1]
    # The registry's own data (names, places) stays as written; the page's words are English.
    for vietnamese in ("Mua", "Sản phẩm", "Lô hàng", "Kiểm tra", "Chia sẻ", "Điện thoại"):
        assert vietnamese not in main, vietnamese
    assert ">Buy on Voso</a>" in page
    assert "Đồi cam Khuổi Vài" in page  # the planting area's name
