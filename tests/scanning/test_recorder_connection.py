"""The recorder holds its own connection, and takes a fresh one when that one breaks."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.scanning.helpers import active_batch, path
from tests.world import Registry
from traceability.runtime import runtime_of


async def test_recorder_recovers_from_a_lost_connection(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    assert (await client.get(url)).status_code == 200
    recorder = runtime_of(client.app).recorder
    held = recorder._conn
    assert held is not None
    await db.execute("SELECT pg_terminate_backend($1)", held.get_server_pid())
    first = await client.get(url)
    # Either the flush failed (503, nothing recorded, nothing shown) or it already used a
    # fresh connection; the next scan is recorded on a fresh one either way.
    assert first.status_code in (200, 503)
    second = await client.get(url)
    assert second.status_code == 200
    assert recorder._conn is not held
    shown = 1 + (first.status_code == 200) + 1
    assert await db.fetchval("SELECT count(*) FROM scans") == shown
