"""A tenant of the test world (a cooperative with a product and a lot) and a signed-in member
of its staff, for the portal's pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests import world
from tests.portal.conftest import Account, form_token, sign_in


@dataclass(frozen=True)
class CoopWorld:
    cooperative_id: int
    product_id: int
    lot_id: int
    staff: Account


async def coop_world(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, name: str = "HTX Anh Tài"
) -> CoopWorld:
    coop = await world.cooperative(db, name)
    product = await world.product(
        db,
        coop,
        name_vi="Cam sành Hà Giang",
        category="fruit",
        gtin=world.gtin(f"893860{coop:07d}"),
    )
    lot = await world.lot(
        db, coop, product, code="CS-2026-11", harvested_on=date(2026, 11, 20), expires_on=None
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
