"""Two-level addresses (since 1 July 2025): province and commune, the former district optional."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.registry.conftest import Headers, cooperative_body, created

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "traceability"
    / "db"
    / "migrations"
    / "0005_two_level_addresses.sql"
)


async def test_a_cooperative_needs_no_district(
    client: AsyncTestClient[Any], authority: Headers
) -> None:
    body = {k: v for k, v in cooperative_body(1).items() if k != "district"}
    coop = await created(client, "/api/v1/cooperatives", body, authority)
    assert coop["province"] == "Tuyên Quang"
    assert coop["district"] is None
    assert coop["commune"] == "Vĩnh Hảo"
    former = await created(
        client, "/api/v1/cooperatives", cooperative_body(2, district="Mèo Vạc"), authority
    )
    assert former["district"] == "Mèo Vạc"
    cleared = await client.patch(
        f"/api/v1/cooperatives/{former['id']}", json={"district": None}, headers=authority
    )
    assert cleared.status_code == 200, cleared.text
    assert cleared.json()["district"] is None


async def test_existing_records_move_to_tuyen_quang_keeping_their_district(
    db: asyncpg.Connection,
) -> None:
    await db.execute(
        "INSERT INTO cooperatives (name, tax_code, province, district, commune)"
        " VALUES ('HTX Mật ong Mèo Vạc', '5100000001', 'Hà Giang', 'Mèo Vạc', 'Pả Vi'),"
        " ('HTX Hà Nội', '0100000001', 'Hà Nội', 'Gia Lâm', 'Bát Tràng')"
    )
    await db.execute(MIGRATION.read_text(encoding="utf-8"))
    rows = await db.fetch("SELECT province, district, commune FROM cooperatives ORDER BY tax_code")
    assert [tuple(r) for r in rows] == [
        ("Hà Nội", "Gia Lâm", "Bát Tràng"),
        ("Tuyên Quang", "Mèo Vạc", "Pả Vi"),
    ]
