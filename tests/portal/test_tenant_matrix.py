"""The tenant matrix over the portal (issue 8): a member of cooperative A gets 404 on every
page and every form of cooperative B's records, and nothing changes in the database.

The routes are enumerated from the app, so a page added later is covered at once: each
``{name:int}`` in a path must be one of ``B_RECORD`` (else this test fails and asks)."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests import world
from tests.portal.conftest import form_token, sign_in
from tests.portal.coop_world import coop_world

TABLES = [
    "products",
    "product_certifications",
    "marketplace_listings",
    "planting_areas",
    "lots",
    "lot_events",
    "stamp_batches",
    "stamp_activations",
    "users",
    "api_keys",
    "audit_log",
]
_PARAM = re.compile(r"\{(\w+):int\}")


async def snapshot(db: asyncpg.Connection) -> dict[str, list[Any]]:
    return {t: await db.fetch(f"SELECT * FROM {t} ORDER BY 1") for t in TABLES}


async def test_cooperative_a_gets_404_on_every_page_and_form_of_cooperative_b(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    mine = await coop_world(web, db, make_user)
    theirs = await coop_world(web, db, make_user, name="HTX Chè Lũng Phìn")
    area = await world.planting_area(
        db, theirs.cooperative_id, code="VN-HG-QB-LP-001-24", crop="chè", area_ha=3,
        name=None, latitude=None, longitude=None,
    )  # fmt: skip
    certification = await world.certification(
        db, theirs.cooperative_id, theirs.product_id,
        issued_on="2025-01-01", number=None, issuer=None, expires_on=None,
    )  # fmt: skip
    listing = await world.listing(
        db,
        theirs.cooperative_id,
        theirs.product_id,
        url="https://voso.vn/che-lung-phin",
        label=None,
    )
    batch = await db.fetchval(
        "INSERT INTO stamp_batches (cooperative_id, product_id, lot_id, serials, quantity,"
        " key_id, unit_price_vnd, subsidy_share) VALUES ($1, $2, $3, int8range(500, 600), 100,"
        " 'k', 350, 0.6) RETURNING id",
        theirs.cooperative_id,
        theirs.product_id,
        theirs.lot_id,
    )
    key = await db.fetchval(
        "INSERT INTO api_keys (name, role, cooperative_id, prefix, secret_hash)"
        " VALUES ('Kho', 'cooperative', $1, 'tk_b', sha256('b')) RETURNING id",
        theirs.cooperative_id,
    )
    b_record = {
        "product_id": theirs.product_id,
        "lot_id": theirs.lot_id,
        "area_id": area,
        "certification_id": certification,
        "listing_id": listing,
        "batch_id": batch,
        "serial": 550,
        "user_id": theirs.staff.id,
        "key_id": key,
        "cooperative_id": theirs.cooperative_id,
        "report_id": 1,  # the authority's inbox: a cooperative's staff may not open it at all
        "year": 2026,
        # Retailers' pages: a cooperative's staff may not open a chain or a store at all,
        # and a delivery of none of its stamps is not found.
        "chain_id": 1,
        "store_id": 1,
        "delivery_id": 1,
    }
    own_key = await db.fetchval(
        "INSERT INTO api_keys (name, role, cooperative_id, prefix, secret_hash)"
        " VALUES ('Kho A', 'cooperative', $1, 'tk_a', sha256('a')) RETURNING id",
        mine.cooperative_id,
    )
    a_record = {
        "user_id": mine.staff.id,
        "key_id": own_key,
        "cooperative_id": mine.cooperative_id,
        "serial": 1,
        "report_id": 1,
    }
    # A's own records where A has them (else any id: a page the role may not open refuses
    # before it looks anything up).
    own_ids = {
        **b_record,
        **a_record,
        "product_id": mine.product_id,
        "lot_id": mine.lot_id,
    }
    await sign_in(web, mine.staff)
    before = await snapshot(db)
    token = await form_token(web, "/portal/")
    checked = []
    for route in web.app.routes:
        names = _PARAM.findall(route.path)
        if not route.path.startswith("/portal/") or not names:
            continue
        unknown = [n for n in names if n not in b_record]
        assert not unknown, f"{route.path}: add {unknown} to the matrix"
        path = _PARAM.sub(lambda m: str(b_record[m.group(1)]), route.path)
        for method in sorted(getattr(route, "methods", set()) & {"GET", "POST"}):
            if method == "GET":
                answer = await web.get(path, params={"format": "csv"})
            else:
                answer = await web.post(path, data={"csrf_token": token, "reason": "x"})
            if answer.status_code == 403:
                # A page this role may not use at all (an authority's action): the same
                # 403 for A's own record, so nothing is learnt about B's.
                own = _PARAM.sub(lambda m: str(own_ids[m.group(1)]), route.path)
                again = (
                    await web.get(own)
                    if method == "GET"
                    else await web.post(own, data={"csrf_token": token, "reason": "x"})
                )
                assert again.status_code == 403, (method, own)
                continue
            assert answer.status_code == 404, (method, path, answer.status_code)
            assert "HTX Chè Lũng Phìn" not in answer.text
            checked.append(f"{method} {route.path}")
    assert len(checked) >= 15, checked
    assert "POST /portal/orders/{batch_id:int}/cancel" in checked
    assert "GET /portal/stamps/{serial:int}" in checked
    after = await snapshot(db)
    assert after == before
