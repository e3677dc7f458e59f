"""Only the lot's cooperative writes its public timeline (issue 7, item 4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import World
from traceability import clock


def _event(kind: str, when: str, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        "occurred_at": when,
        "place": "Siêu thị Hà Nội",
        "actor": "HÀNG GIẢ",
        **extra,
    }


async def test_retailer_receiving_is_private_and_never_on_consumer_pages(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    lot, product = world.a.lot_id, world.a.product_id
    for _ in range(3):
        answer = await client.post(
            f"/api/v1/lots/{lot}/events",
            json=_event("receiving", "2024-11-25T09:00:00+07:00"),
            headers=world.retailer,
        )
        assert answer.status_code == 201, answer.text
        assert answer.json()["public"] is False

    async def actors(headers: dict[str, str]) -> list[str]:
        found = await client.get(f"/api/v1/lots/{lot}/events", headers=headers)
        return [e["actor"] for e in found.json()]

    assert "HÀNG GIẢ" in await actors(world.a.key)  # the lot's cooperative sees them
    assert "HÀNG GIẢ" in await actors(world.authority)
    assert "HÀNG GIẢ" not in await actors(world.b.key)  # another cooperative does not
    origin = await client.get(
        f"/api/v1/products/{product}/origin?lot_id={lot}", headers=world.retailer
    )
    assert [e["kind"] for e in origin.json()["timeline"]] == ["harvest"]
    epcis = await client.get(f"/api/v1/lots/{lot}/epcis")
    assert "HÀNG GIẢ" not in epcis.text
    assert await db.fetchval("SELECT count(*) FROM lot_events WHERE NOT public") == 3


@pytest.mark.parametrize(
    "when",
    ["2001-01-01T08:00:00+07:00", "2024-11-19T23:59:00+07:00", "far future"],
)
async def test_events_outside_the_lots_life_are_refused(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection, when: str
) -> None:
    """The lot was harvested on 2024-11-20 (in Hà Giang)."""
    if when == "far future":
        when = (clock.now() + timedelta(days=2)).isoformat()
    before = await db.fetchval("SELECT count(*) FROM lot_events")
    for key in (world.a.key, world.retailer):
        answer = await client.post(
            f"/api/v1/lots/{world.a.lot_id}/events", json=_event("receiving", when), headers=key
        )
        assert_problem(answer, 422)
    assert await db.fetchval("SELECT count(*) FROM lot_events") == before


async def test_the_database_refuses_back_dated_events_too(
    world: World, db: asyncpg.Connection
) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="lot"):
        await db.execute(
            "INSERT INTO lot_events (lot_id, kind, occurred_at, place, actor)"
            " VALUES ($1, 'receiving', '2001-01-01', 'x', 'y')",
            world.a.lot_id,
        )


async def test_a_retailer_writes_nothing_but_receiving(
    client: AsyncTestClient[Any], world: World
) -> None:
    answer = await client.post(
        f"/api/v1/lots/{world.a.lot_id}/events",
        json=_event("shipping", "2024-11-25T09:00:00+07:00"),
        headers=world.retailer,
    )
    assert_problem(answer, 403)
