"""A small registry of two cooperatives, built through the API, for the registry tests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker
from traceability.registry.types import gs1_check_digit

Headers = dict[str, str]

REGISTRY_TABLES = (
    "cooperatives", "planting_areas", "products", "product_certifications",
    "marketplace_listings", "lots", "lot_events", "audit_log",
)  # fmt: skip


def cooperative_body(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "name": f"Hợp tác xã Nông nghiệp Số {n}",
        "tax_code": f"51002807{n:02d}",
        "district": "Bắc Quang",
        "commune": "Vĩnh Hảo",
        **extra,
    }


def product_body(cooperative_id: int | None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name_vi": "Cam sành Hà Giang", "category": "fruit", **extra}
    if cooperative_id is not None:
        body["cooperative_id"] = cooperative_id
    return body


async def created(client: AsyncTestClient[Any], path: str, body: Any, headers: Headers) -> Any:
    response = await client.post(path, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


@dataclass
class Tenant:
    """One cooperative with a key and one of each of its records."""

    cooperative_id: int
    key: Headers
    area_id: int
    product_id: int
    lot_id: int
    event_id: int
    certification_id: int
    listing_id: int


@dataclass
class World:
    authority: Headers
    retailer: Headers
    a: Tenant
    b: Tenant


async def make_tenant(
    client: AsyncTestClient[Any], authority: Headers, make_key: KeyMaker, n: int
) -> Tenant:
    coop = await created(client, "/api/v1/cooperatives", cooperative_body(n), authority)
    key: Headers = await make_key("cooperative", cooperative_id=coop["id"])
    area = await created(
        client,
        "/api/v1/planting-areas",
        {"code": f"VN-HG-BQ-VH-00{n}-24", "crop": "cam sành", "area_ha": 12.5},
        key,
    )
    product = await created(client, "/api/v1/products", product_body(None, gtin=gtin13(n)), key)
    lot = await created(
        client,
        "/api/v1/lots",
        {
            "product_id": product["id"],
            "planting_area_id": area["id"],
            "code": f"CS24-{n}",
            "harvested_on": "2024-11-20",
            "quantity": 1500,
            "unit": "kg",
        },
        key,
    )
    event = await created(
        client,
        f"/api/v1/lots/{lot['id']}/events",
        {
            "kind": "harvest",
            "occurred_at": "2024-11-20T07:30:00+07:00",
            "place": "Vĩnh Hảo",
            "actor": "Tổ thu hái số 1",
        },
        key,
    )
    certification = await created(
        client,
        f"/api/v1/products/{product['id']}/certifications",
        {"scheme": "VietGAP", "issued_on": "2023-05-01", "expires_on": "2026-05-01"},
        key,
    )
    listing = await created(
        client,
        f"/api/v1/products/{product['id']}/listings",
        {"platform": "voso", "url": f"https://voso.vn/cam-sanh-{n}"},
        key,
    )
    return Tenant(
        coop["id"], key, area["id"], product["id"], lot["id"], event["id"],
        certification["id"], listing["id"],
    )  # fmt: skip


def gtin13(n: int) -> str:
    """A valid GTIN-13 with Vietnam's 893 prefix."""
    body = f"893{n:09d}"
    return body + str(gs1_check_digit(body))


@pytest.fixture
async def world(client: AsyncTestClient[Any], authority: Headers, make_key: KeyMaker) -> World:
    a = await make_tenant(client, authority, make_key, 1)
    b = await make_tenant(client, authority, make_key, 2)
    retailer: Headers = await make_key("retailer")
    return World(authority, retailer, a, b)


async def snapshot(db: asyncpg.Connection) -> dict[str, list[Any]]:
    """Every row of every registry table and the audit log, to prove nothing changed."""
    tables: dict[str, list[Any]] = {}
    for table in REGISTRY_TABLES:
        rows = await db.fetch(f"SELECT * FROM {table} ORDER BY id")
        tables[table] = [tuple(r.values()) for r in rows]
    return tables


async def counts(db: asyncpg.Connection) -> dict[str, int]:
    return {table: await db.fetchval(f"SELECT count(*) FROM {table}") for table in REGISTRY_TABLES}


def jsonb(value: Any) -> Any:
    """A jsonb column's value, whether or not the connection decodes jsonb itself."""
    return json.loads(value) if isinstance(value, str) else value
