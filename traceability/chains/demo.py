"""The demo supermarket chain: one chain with two stores, for the demo retailer person."""

from __future__ import annotations

import asyncpg

DEMO_CHAIN_TAX_CODE = "0100000009"


async def seed_chain(conn: asyncpg.Connection) -> int:
    """The demo chain's id, created on first use (a second ``demo`` start keeps it)."""
    chain_id: int | None = await conn.fetchval(
        "SELECT id FROM chains WHERE tax_code = $1", DEMO_CHAIN_TAX_CODE
    )
    if chain_id is not None:
        return chain_id
    chain_id = await conn.fetchval(
        """INSERT INTO chains (name, tax_code, province, commune, address_line, contact_name)
           VALUES ('Siêu thị Demo', $1, 'Hà Nội', 'Phường Cầu Giấy', '1 Trần Duy Hưng',
                   'Phòng thu mua (demo)')
           RETURNING id""",
        DEMO_CHAIN_TAX_CODE,
    )
    await conn.execute(
        """INSERT INTO stores (chain_id, name, province, commune, address_line, latitude, longitude)
           VALUES ($1, 'Kho tổng Cầu Giấy', 'Hà Nội', 'Phường Cầu Giấy', '1 Trần Duy Hưng',
                   21.0122, 105.8000),
                  ($1, 'Cửa hàng Tuyên Quang', 'Tuyên Quang', 'Phường Hà Giang 1', NULL,
                   22.8233, 104.9836)""",
        chain_id,
    )
    assert chain_id is not None
    return chain_id
