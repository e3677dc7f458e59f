"""Revoking a key revokes every key it made: none outlives the key that made it."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import Registry, registry

__all__ = ["registry"]  # the fixture


async def _make(client: AsyncTestClient[Any], by: dict[str, str], coop: int, name: str) -> Any:
    answer = await client.post(
        "/api/v1/api-keys",
        json={"name": name, "role": "cooperative", "cooperative_id": coop},
        headers=by,
    )
    assert answer.status_code == 201, answer.text
    made = answer.json()
    return made["key"]["id"], {"Authorization": f"Bearer {made['secret']}"}


async def test_keys_made_by_a_revoked_key_stop_working_and_order_nothing(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    first_id, first = await _make(client, authority, registry.cooperative_id, "Kế toán")
    _, second = await _make(client, first, registry.cooperative_id, "Thủ kho")
    _, third = await _make(client, second, registry.cooperative_id, "Máy quét kho")
    _, unrelated = await _make(client, authority, registry.cooperative_id, "Giám đốc")

    revoked = await client.delete(f"/api/v1/api-keys/{first_id}", headers=authority)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    for key in (first, second, third):
        assert_problem(await client.get("/api/v1/api-keys/me", headers=key), 401)
        order = {"product_id": registry.product_id, "quantity": 2000}
        assert_problem(await client.post("/api/v1/stamp-batches", json=order, headers=key), 401)
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0
    assert (await client.get("/api/v1/api-keys/me", headers=unrelated)).status_code == 200
    # Every key revoked is on record, each with its own audit entry.
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE entity = 'api_key' AND action = 'revoke'"
    )
    assert audited == 3


async def test_a_key_whose_maker_was_revoked_before_the_cascade_is_refused(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    """Keys revoked by an older version (no cascade) still take their children down."""
    first_id, first = await _make(client, authority, registry.cooperative_id, "Kế toán")
    _, second = await _make(client, first, registry.cooperative_id, "Thủ kho")
    await db.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", first_id)
    assert_problem(await client.get("/api/v1/api-keys/me", headers=second), 401)
