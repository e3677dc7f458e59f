"""A real streaming replica (pg_basebackup from the embedded server's own binaries).

Reads that tolerate lag go to it while it keeps up and to the primary when it falls behind;
scans and writes always go to the primary; a standby given as the primary is refused.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from traceability.app import create_app
from traceability.db.embedded import EmbeddedPostgres, EmbeddedStandby
from traceability.db.pool import create_pool
from traceability.db.schema import SchemaError, prepare
from traceability.health.service import readiness
from traceability.settings import Settings


@pytest.fixture(scope="module")
def standby(pg_server: EmbeddedPostgres) -> Iterator[EmbeddedStandby]:
    home = Path(tempfile.mkdtemp(prefix="traceability-test-standby-"))
    replica = EmbeddedStandby(pg_server, home)
    try:
        yield replica
    finally:
        replica.stop()
        shutil.rmtree(home, ignore_errors=True)


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def _replica_of(standby: EmbeddedStandby, database_url: str) -> str:
    """The test database's URL on the standby, once the standby has replayed its creation."""
    url = standby.url_for(database_url.split("?")[0].rsplit("/", 1)[1])

    async def reachable() -> bool:
        try:
            conn = await asyncpg.connect(url)
        except (asyncpg.InvalidCatalogNameError, OSError):
            return False
        await conn.close()
        return True

    await _until(reachable)
    return url


def _cooperative(tax_code: str, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "tax_code": tax_code,
        "district": "Bắc Quang",
        "commune": "Vĩnh Hảo",
        "address_line": "Thôn 1",
        "phone": "02193820123",
    }


async def test_reads_use_the_replica_until_it_lags(
    settings: Settings, standby: EmbeddedStandby, database_url: str, authority: dict[str, str]
) -> None:
    replica_url = await _replica_of(standby, database_url)
    settings = replace(settings, database_replica_url=replica_url, replica_max_lag_seconds=1.0)
    control = await asyncpg.connect(replica_url)
    app = create_app(settings)
    try:
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:

            async def names() -> set[str]:
                listed = await client.get("/api/v1/cooperatives", headers=authority)
                assert listed.status_code == 200, listed.text
                return {c["name"] for c in listed.json()["items"]}

            async def replica_state() -> str:
                ready = await client.get("/readyz")
                assert ready.status_code == 200, ready.text
                state = ready.json()["replica"]
                assert isinstance(state, str), state
                return state

            async def replica_ok() -> bool:
                return await replica_state() == "ok"

            await _until(replica_ok)
            await control.execute("SELECT pg_wal_replay_pause()")
            created = await client.post(
                "/api/v1/cooperatives",
                json=_cooperative("5100311784", "HTX Cam sành Vĩnh Hảo"),
                headers=authority,
            )
            assert created.status_code == 201, created.text
            coop_id = created.json()["id"]
            # Writes and the reads that must see them use the primary ...
            mine = await client.get(f"/api/v1/cooperatives/{coop_id}", headers=authority)
            assert mine.status_code == 200
            # ... the public list reads the replica, which has not replayed the insert yet.
            assert "HTX Cam sành Vĩnh Hảo" not in await names()
            # An authenticated read on the replica works (it used to write last_used_at: 500).
            analytics = await client.get("/api/v1/stamps/analytics", headers=authority)
            assert analytics.status_code == 200, analytics.text

            # Once the replica is further behind than the setting, reads go to the primary.
            async def lagging() -> bool:
                return "behind" in await replica_state()

            await _until(lagging)
            assert "HTX Cam sành Vĩnh Hảo" in await names()

            await control.execute("SELECT pg_wal_replay_resume()")
            await _until(replica_ok)
            assert "HTX Cam sành Vĩnh Hảo" in await names()
            lag = (await client.get("/readyz")).json()["replica_lag_seconds"]
            assert lag < 1.0
    finally:
        await control.execute("SELECT pg_wal_replay_resume()")
        await control.close()


async def test_a_replica_that_is_down_sends_reads_to_the_primary(
    settings: Settings, authority: dict[str, str], tmp_path: Path
) -> None:
    nowhere = f"postgresql://postgres:@/traceability?host={tmp_path}"
    app = create_app(replace(settings, database_replica_url=nowhere))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        listed = await client.get("/api/v1/cooperatives", headers=authority)
        assert listed.status_code == 200, listed.text
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["replica"].startswith("unreachable")


async def test_a_standby_is_not_a_primary(
    settings: Settings, standby: EmbeddedStandby, database_url: str
) -> None:
    """DATABASE_URL pointed at a standby: refused at start, and /readyz says read-only
    (it used to say ok while every scan answered 503 and every authenticated GET 500)."""
    replica_url = await _replica_of(standby, database_url)
    with pytest.raises(SchemaError, match="read-only"):
        await prepare(replica_url, migrate=False)
    pool = await create_pool(replica_url, min_size=1, max_size=1)
    try:
        ready, report = await readiness(pool, None)
    finally:
        await pool.close()
    assert not ready
    assert report["database"] == "read-only"
    app = create_app(replace(settings, database_url=replica_url))
    with pytest.raises(BaseExceptionGroup) as refused:  # the test client's task group wraps it
        async with AsyncTestClient(app=app):
            pass
    assert "read-only (a standby in recovery)" in repr(refused.value.exceptions)
