"""Change notifications behind PgBouncer: LISTEN goes straight to the primary, or says why not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import asyncpg
from litestar.testing import AsyncTestClient

from tests.scanning.helpers import active_batch, path, scan_json
from tests.test_pgbouncer import Bouncer, pgbouncer
from tests.world import Registry, registry
from traceability.app import create_app
from traceability.changes import ChangeListener, announce
from traceability.settings import Settings

__all__ = ["pgbouncer", "registry"]


async def _within(seconds: float, check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


async def _revoke(db: asyncpg.Connection, batch: dict[str, object]) -> None:
    await db.execute(
        "INSERT INTO stamp_revocations (batch_id, serials, reason)"
        " VALUES ($1, int8range($2::bigint, $2::bigint + 1), 'thu hồi')",
        batch["id"],
        batch["first_serial"],
    )


async def test_a_worker_behind_pgbouncer_hears_changes_through_the_direct_url(
    settings: Settings, pgbouncer: Bouncer, registry: Registry, db: asyncpg.Connection
) -> None:
    assert settings.database_url is not None
    pooled = replace(
        settings,
        database_url=pgbouncer.url_for(settings.database_url),
        database_direct_url=settings.database_url,
        scan_cache_seconds=300,  # only a notification can make the change show in time
    )
    async with AsyncTestClient(app=create_app(pooled)) as client:
        batch = await active_batch(client, registry)
        url = path(client, batch["first_serial"])
        assert (await scan_json(client, url))["verdict"] == "genuine_first"
        await _revoke(db, batch)

        async def revoked() -> bool:
            verdict: str = (await scan_json(client, url))["verdict"]
            return verdict == "revoked"

        await _within(2, revoked)


async def test_a_listener_through_the_pooler_says_what_to_set(
    settings: Settings,
    pgbouncer: Bouncer,
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    assert settings.database_url is not None
    pooled = replace(
        settings,
        database_url=pgbouncer.url_for(settings.database_url),
        migrate_on_start=False,  # migrations would refuse the pooled URL first
        scan_cache_seconds=1,
    )
    said: list[str] = []
    heard = logging.Handler(logging.ERROR)
    heard.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("traceability.changes").addHandler(heard)
    try:
        await _served_without_notifications(pooled, registry, db, said)
    finally:
        logging.getLogger("traceability.changes").removeHandler(heard)


async def _served_without_notifications(
    pooled: Settings, registry: Registry, db: asyncpg.Connection, said: list[str]
) -> None:
    async with AsyncTestClient(app=create_app(pooled)) as client:

        async def refused() -> bool:
            return any("set DATABASE_DIRECT_URL" in line for line in said)

        await _within(10, refused)
        # Without notifications the worker trusts its cache for a second only.
        batch = await active_batch(client, registry)
        url = path(client, batch["first_serial"])
        assert (await scan_json(client, url))["verdict"] == "genuine_first"
        await _revoke(db, batch)

        async def revoked() -> bool:
            verdict: str = (await scan_json(client, url))["verdict"]
            return verdict == "revoked"

        await _within(3, revoked)


async def test_renames_while_listening_never_break_the_connection_or_the_shutdown(
    settings: Settings, db: asyncpg.Connection
) -> None:
    """The ring's name changes (key reloads) while the listener keeps its connection alive:
    only the listening task uses the connection, so nothing runs on it twice at once, and a
    stop in the middle of a change ends cleanly (it once failed the worker's shutdown)."""
    heard: list[str] = []
    listener = ChangeListener(
        str(settings.database_url), heard.append, lambda: None, name="traceability keys=a"
    )
    listener.start()

    async def shown() -> str | None:
        name: str | None = await db.fetchval(
            "SELECT application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name LIKE 'traceability keys=%'"
        )
        return name

    try:
        await _within(10, lambda: _true(listener.listening))
        for i in range(50):
            listener.rename(f"traceability keys={i}")
            await asyncio.sleep(0.001 * (i % 3))
        await _within(5, lambda: _equals(shown(), "traceability keys=49"))
        await announce(db, "batch:1")
        await _within(5, lambda: _true(heard == ["batch:1"]))
        listener.rename("traceability keys=last")
    finally:
        await asyncio.wait_for(listener.stop(), 10)
    await _within(5, lambda: _equals(shown(), None))


async def _true(value: bool) -> bool:
    return value


async def _equals(value: Awaitable[str | None], expected: str | None) -> bool:
    return await value == expected
