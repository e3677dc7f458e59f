"""Helpers of the registry tests: request bodies, and what the tables hold before and after.

The tests' world (two tenants, ``world``) comes from ``tests/world.py``."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.world import world

Headers = dict[str, str]

__all__ = ["world"]  # the fixture, for every test in this folder

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
