"""Tenant isolation: cooperative A's key can neither change nor privately read B's records,
and retailers write nothing but receiving events. Nothing changes in the database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.registry.conftest import snapshot
from tests.world import Tenant, World

pytestmark = pytest.mark.anyio


@dataclass(frozen=True)
class Call:
    method: str
    path: Callable[[Tenant], str]
    body: Callable[[Tenant], Any] | None = None
    refused: int = 404
    """404 for a record addressed by id; 403 when the body names another cooperative."""
    owner_gets: int = 200


def _event(kind: str) -> Callable[[Tenant], Any]:
    return lambda t: {
        "kind": kind, "occurred_at": "2024-11-22T08:00:00+07:00", "place": "Kho", "actor": "X",
    }  # fmt: skip


# Every write, and every private read, aimed at the victim's records.
CALLS: dict[str, Call] = {
    "read cooperative": Call("GET", lambda t: f"/api/v1/cooperatives/{t.cooperative_id}"),
    "patch cooperative": Call(
        "PATCH", lambda t: f"/api/v1/cooperatives/{t.cooperative_id}", lambda t: {"name": "Mất"}
    ),
    "create area for": Call(
        "POST",
        lambda t: "/api/v1/planting-areas",
        lambda t: {
            "cooperative_id": t.cooperative_id,
            "code": "VN-HG-BQ-VH-099-24",
            "crop": "cam",
            "area_ha": 1,
        },
        403,
        201,
    ),
    "list areas of": Call(
        "GET", lambda t: f"/api/v1/planting-areas?cooperative_id={t.cooperative_id}", refused=403
    ),
    "read area": Call("GET", lambda t: f"/api/v1/planting-areas/{t.area_id}"),
    "patch area": Call(
        "PATCH", lambda t: f"/api/v1/planting-areas/{t.area_id}", lambda t: {"crop": "ngô"}
    ),
    "delete area": Call("DELETE", lambda t: f"/api/v1/planting-areas/{t.area_id}", owner_gets=409),
    "create product for": Call(
        "POST",
        lambda t: "/api/v1/products",
        lambda t: {"cooperative_id": t.cooperative_id, "name_vi": "Giả", "category": "fruit"},
        403,
        201,
    ),
    "patch product": Call(
        "PATCH", lambda t: f"/api/v1/products/{t.product_id}", lambda t: {"name_vi": "Giả"}
    ),
    "delete product": Call("DELETE", lambda t: f"/api/v1/products/{t.product_id}", owner_gets=409),
    "add certification": Call(
        "POST",
        lambda t: f"/api/v1/products/{t.product_id}/certifications",
        lambda t: {"scheme": "VietGAP", "issued_on": "2024-01-01"},
        owner_gets=201,
    ),
    "delete certification": Call(
        "DELETE",
        lambda t: f"/api/v1/products/{t.product_id}/certifications/{t.certification_id}",
        owner_gets=204,
    ),
    "add listing": Call(
        "POST",
        lambda t: f"/api/v1/products/{t.product_id}/listings",
        lambda t: {"platform": "other", "url": "https://gia.example.com/x"},
        owner_gets=201,
    ),
    "delete listing": Call(
        "DELETE",
        lambda t: f"/api/v1/products/{t.product_id}/listings/{t.listing_id}",
        owner_gets=204,
    ),
    "create lot of": Call(
        "POST",
        lambda t: "/api/v1/lots",
        lambda t: {
            "product_id": t.product_id,
            "code": "GIA-1",
            "harvested_on": "2024-01-01",
            "quantity": 1,
            "unit": "kg",
        },
        owner_gets=201,
    ),
    "patch lot": Call("PATCH", lambda t: f"/api/v1/lots/{t.lot_id}", lambda t: {"quantity": 1}),
    "delete lot": Call("DELETE", lambda t: f"/api/v1/lots/{t.lot_id}", owner_gets=409),
    "record event": Call(
        "POST", lambda t: f"/api/v1/lots/{t.lot_id}/events", _event("shipping"), owner_gets=201
    ),
}

RETAILER_CALLS = {
    **CALLS,
    "onboard cooperative": Call(
        "POST",
        lambda t: "/api/v1/cooperatives",
        lambda t: {"name": "Giả", "tax_code": "5100000099", "district": "a", "commune": "b"},
    ),
    "list areas": Call("GET", lambda t: "/api/v1/planting-areas"),
    "harvest event": Call("POST", lambda t: f"/api/v1/lots/{t.lot_id}/events", _event("harvest")),
}


async def _send(
    client: AsyncTestClient[Any], call: Call, victim: Tenant, key: dict[str, str]
) -> Any:
    body = call.body(victim) if call.body else None
    return await client.request(call.method, call.path(victim), json=body, headers=key)


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_cooperative_key_cannot_touch_another_cooperative(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection, name: str
) -> None:
    before = await snapshot(db)
    response = await _send(client, CALLS[name], world.b, world.a.key)
    assert_problem(response, CALLS[name].refused)
    assert await snapshot(db) == before


@pytest.mark.parametrize("name", sorted(RETAILER_CALLS))
async def test_retailer_key_writes_nothing_and_reads_nothing_private(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection, name: str
) -> None:
    before = await snapshot(db)
    response = await _send(client, RETAILER_CALLS[name], world.b, world.retailer)
    assert_problem(response, 403)
    assert await snapshot(db) == before


@pytest.mark.parametrize("name", sorted(CALLS))
async def test_the_same_calls_work_for_the_owner(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection, name: str
) -> None:
    """The matrix above refuses because of who asks, not because the calls are broken."""
    call = CALLS[name]
    response = await _send(client, call, world.b, world.b.key)
    # Records with history (lots, events) are refused even to their owner, with 409.
    assert response.status_code == call.owner_gets, response.text
