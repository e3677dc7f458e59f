"""A cooperative with a product and a lot, and a signed-in member of its staff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import Account, cooperative_id, form_token, sign_in
from tests.world import gtin


@dataclass(frozen=True)
class CoopWorld:
    cooperative_id: int
    product_id: int
    lot_id: int
    staff: Account


async def coop_world(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, name: str = "HTX Anh Tài"
) -> CoopWorld:
    coop = await cooperative_id(db, name)
    product = await db.fetchval(
        "INSERT INTO products (cooperative_id, name_vi, category, gtin) VALUES ($1,"
        " 'Cam sành Hà Giang', 'fruit', $2) RETURNING id",
        coop,
        gtin(f"893860{coop:07d}"),
    )
    lot = await db.fetchval(
        "INSERT INTO lots (product_id, code, harvested_on, quantity, unit)"
        " VALUES ($1, 'CS-2026-11', '2026-11-20', 1200, 'kg') RETURNING id",
        product,
    )
    staff = await make_user("cooperative", cooperative_id=coop, name=f"Nhân viên {name}")
    await sign_in(web, staff)
    return CoopWorld(coop, product, lot, staff)


async def post_form(
    web: AsyncTestClient[Any], page: str, action: str, data: dict[str, Any], **kwargs: Any
) -> Any:
    """Post a form as the page a person has open would (its token)."""
    token = await form_token(web, page)
    return await web.post(action, data={**data, "csrf_token": token}, **kwargs)
