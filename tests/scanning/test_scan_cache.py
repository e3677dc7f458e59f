"""The scan cache: loads shared between requests, and forgotten only once a change committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import asyncpg
import httpx
import pytest
from litestar.testing import AsyncTestClient

from stamps import issue
from tests.scanning.conftest import server
from tests.scanning.helpers import active_batch, path, scan_json
from tests.world import Registry
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.scanning.service import _TtlCache
from traceability.settings import Settings

__all__ = ["server"]


async def test_a_cancelled_first_caller_does_not_cancel_the_others() -> None:
    cache: _TtlCache[int, str] = _TtlCache(60)
    loads = 0
    started, release = asyncio.Event(), asyncio.Event()

    async def load() -> str:
        nonlocal loads
        loads += 1
        started.set()
        await release.wait()
        return "origin"

    first = asyncio.create_task(cache.get(1, load))
    await started.wait()
    second = asyncio.create_task(cache.get(1, load))
    await asyncio.sleep(0)
    first.cancel()  # e.g. the first phone's connection dropped
    await asyncio.sleep(0)
    release.set()
    assert await second == "origin"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await cache.get(1, load) == "origin"
    assert loads == 1  # the value was kept, though its first caller gave up


async def test_a_failed_load_reaches_every_waiter_and_is_not_kept() -> None:
    cache: _TtlCache[int, str] = _TtlCache(60)
    release = asyncio.Event()

    async def broken() -> str:
        await release.wait()
        raise ConnectionError("database went away")

    waiters = [asyncio.create_task(cache.get(1, broken)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    for waiter in waiters:
        with pytest.raises(ConnectionError):
            await waiter

    async def fine() -> str:
        return "origin"

    assert await cache.get(1, fine) == "origin"


_SLOW_COMMIT = """
CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON stamp_activations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A long cache time, so that a stale entry would still be there for the last scan.
    return replace(settings, scan_cache_seconds=60)


async def test_an_activation_shows_on_the_next_scan_although_a_scan_ran_during_its_commit(
    server: tuple[str, Any], registry: Registry, db: asyncpg.Connection
) -> None:
    base, app = server
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        batch = (
            await http.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 10},
                headers=registry.coop,
            )
        ).json()
        url = "/s/" + issue(batch["first_serial"], runtime_of(app).keys.ring).code

        async def verdict() -> str:
            answer = await http.get(url, headers={"Accept": "application/json"})
            found: str = answer.json()["verdict"]
            return found

        assert await verdict() == "not_activated"
        await db.execute(_SLOW_COMMIT)  # the activation's COMMIT takes a second
        activating = asyncio.create_task(
            http.post(
                "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
            )
        )
        await _until_committing(db)
        # A scan while the activation commits: it reads (and caches) the old ranges.
        assert await verdict() == "not_activated"
        answer = await activating
        assert answer.status_code == 201, answer.text
        # The activation's answer came after its commit; from then on its stamps are live.
        assert await verdict() == "genuine"


async def _until_committing(db: asyncpg.Connection) -> None:
    for _ in range(200):
        sleeping = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event = 'PgSleep' AND datname = current_database()"
        )
        if sleeping:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the activation never reached its commit")


async def test_a_change_made_anywhere_shows_on_the_next_scans(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    """Not this worker's change: hand-written SQL, as another instance or a command makes."""
    app = create_app(replace(settings, scan_cache_seconds=300))
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        url = path(client, batch["first_serial"])
        before = await scan_json(client, url)
        assert before["origin"]["name_vi"] == "Cam sành Hà Giang"

        async def shows(check: Callable[[dict[str, Any]], bool]) -> None:
            for _ in range(100):
                if check(await scan_json(client, url)):
                    return
                await asyncio.sleep(0.02)
            raise AssertionError("the change did not show within 2 s")

        await db.execute(
            "UPDATE products SET name_vi = 'Cam sành Bắc Quang' WHERE id = $1",
            registry.product_id,
        )
        await shows(lambda a: a["origin"]["name_vi"] == "Cam sành Bắc Quang")
        await db.execute(
            "UPDATE cooperatives SET name = 'HTX Cam Anh Tài' WHERE id = $1",
            registry.cooperative_id,
        )
        await shows(lambda a: a["origin"]["cooperative"]["name"] == "HTX Cam Anh Tài")
        # A recall made on another instance: the lot's stamps say so on this one at once.
        await db.execute(
            "INSERT INTO lot_recalls (lot_id, reason, recalled_by_role)"
            " VALUES ($1, 'dư lượng thuốc', 'authority')",
            registry.lot_id,
        )
        await shows(
            lambda a: (a["origin"]["lot"]["recall"] or {}).get("reason") == "dư lượng thuốc"
        )
        await db.execute(
            "INSERT INTO stamp_revocations (batch_id, serials, reason)"
            " VALUES ($1, int8range($2::bigint, $2::bigint + 1), 'nhãn bị mất cắp')",
            batch["id"],
            batch["first_serial"],
        )
        await shows(lambda a: a["verdict"] == "revoked")
