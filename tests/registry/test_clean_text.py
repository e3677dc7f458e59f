"""Invisible and look-alike text is refused, at the edge and in the database (item 8)."""

from __future__ import annotations

import unicodedata
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import World

INVISIBLE = [
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u2066",
    "\u2069",
    "\u00ad",
    "\ufdd0",
    "\uffff",
    "\u0007",
    "\u2028",
    "\ue000",
    "\U0010fffe",
]


@pytest.mark.parametrize("char", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
async def test_invisible_characters_are_refused_everywhere_text_is_stored(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection, char: str
) -> None:
    bad = f"Cam sành{char}Hà Giang"
    product = f"/api/v1/products/{world.a.product_id}"
    for method, path, body in [
        ("PATCH", product, {"name_vi": bad}),
        ("PATCH", product, {"description": bad}),
        (
            "POST",
            f"/api/v1/lots/{world.a.lot_id}/events",
            {
                "kind": "packing",
                "occurred_at": "2024-11-21T08:00:00+07:00",
                "place": bad,
                "actor": "HTX",
            },
        ),
        (
            "POST",
            "/api/v1/api-keys",
            {"name": bad, "role": "cooperative", "cooperative_id": world.a.cooperative_id},
        ),
    ]:
        answer = await client.request(method, path, json=body, headers=world.a.key)
        assert_problem(answer, 400)
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute("UPDATE products SET name_vi = $1 WHERE id = $2", bad, world.a.product_id)


async def test_decomposed_vietnamese_is_stored_composed(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    decomposed = unicodedata.normalize("NFD", "Chè shan tuyết Hoàng Su Phì")
    answer = await client.patch(
        f"/api/v1/products/{world.a.product_id}",
        json={"name_vi": decomposed},
        headers=world.a.key,
    )
    assert answer.status_code == 200, answer.text
    stored = await db.fetchval("SELECT name_vi FROM products WHERE id = $1", world.a.product_id)
    assert stored == unicodedata.normalize("NFC", decomposed) != decomposed
    with pytest.raises(asyncpg.CheckViolationError):
        await db.execute(
            "UPDATE products SET name_vi = $1 WHERE id = $2", decomposed, world.a.product_id
        )


async def test_notes_keep_their_line_breaks(client: AsyncTestClient[Any], world: World) -> None:
    answer = await client.post(
        f"/api/v1/lots/{world.a.lot_id}/events",
        json={
            "kind": "packing",
            "occurred_at": "2024-11-21T08:00:00+07:00",
            "place": "Kho",
            "actor": "HTX",
            "notes": "Dòng một\r\nDòng hai",
        },
        headers=world.a.key,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["notes"] == "Dòng một\nDòng hai"


@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u0007"], ids=lambda c: f"U+{ord(c):04X}")
async def test_a_clearance_reason_is_clean_text(
    client: AsyncTestClient[Any], world: World, char: str
) -> None:
    """The reason the authority gives for clearing a suspicious mark lands in the audit log."""
    answer = await client.post(
        "/api/v1/stamps/suspicious/1/clearance",
        json={"reason": f"Hội chợ{char} Hà Giang"},
        headers=world.authority,
    )
    assert_problem(answer, 400)
