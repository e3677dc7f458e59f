from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from traceability.demo import seed
from traceability.settings import Settings


async def test_demo_stamps_are_idempotent_and_scan_as_promised(
    settings: Settings, db: asyncpg.Connection, client: AsyncTestClient[Any]
) -> None:
    first = await seed(db, settings)
    again = await seed(db, settings)
    assert first == again
    # A batch per product, last season's batch per product (its scan history), one waiting.
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 7
    scan_paths = [p for p in first if p.startswith("/s/")]
    verdicts = []
    for p in scan_paths:
        answer = await client.get(p, headers={"Accept": "application/json"})
        verdicts.append(answer.json()["verdict"])
        if answer.json()["verdict"] == "revoked":
            # A stamp spoilt when applied: the product is fine, its page says so.
            assert answer.json()["revocation_category"] == "damaged_replaced"
    assert verdicts == ["genuine_first", "suspicious", "revoked", "not_activated", "not_genuine"]
