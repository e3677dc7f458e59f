"""Vietnam time has one home: days begin at 00:00 in Hà Giang, whatever the server's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.world import Registry, order, registry
from traceability import clock

__all__ = ["registry"]  # the fixture


def test_a_day_begins_at_midnight_in_vietnam_not_in_utc() -> None:
    evening_utc = datetime(2024, 11, 20, 18, 30, tzinfo=UTC)  # 01:30 on the 21st in Hà Giang
    assert clock.today(evening_utc) == date(2024, 11, 21)
    assert clock.day_start(date(2024, 11, 21)) == datetime(2024, 11, 20, 17, 0, tzinfo=UTC)
    start, end = clock.day_span(date(2024, 11, 21), date(2024, 11, 21))
    assert (end - start).total_seconds() == 24 * 3600
    assert clock.local(evening_utc).hour == 1


async def test_cost_report_counts_vietnam_days(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    """A batch ordered at 01:30 on the 21st in Hà Giang (18:30 UTC on the 20th) is the 21st's."""
    batch = await order(client, registry.coop, registry.product_id, 10)
    await db.execute(
        "UPDATE stamp_batches SET created_at = '2024-11-20T18:30:00Z' WHERE id = $1", batch["id"]
    )

    async def stamps_on(day: str) -> int:
        answer = await client.get(
            f"/api/v1/stamp-batches/cost-report?since={day}&until={day}", headers=authority
        )
        assert answer.status_code == 200, answer.text
        return int(Decimal(answer.json()["stamps"]))

    assert await stamps_on("2024-11-21") == 10
    assert await stamps_on("2024-11-20") == 0
