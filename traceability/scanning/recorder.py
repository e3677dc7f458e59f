"""The scan recorder: every scan is durably written before its page is sent.

Writing one row per request would cost a transaction per scan. Instead requests hand their
scan to the recorder and await it; the recorder gathers scans for a few milliseconds and
writes them all in one transaction of two statements: lock and read the scanned stamps'
rows (bounded in size), then write their new state, the scan log and the daily rollups
(:mod:`traceability.scanning.flush` decides what to write). No statement reads a stamp's
history, so a heavily scanned stamp costs every other scan in its flush nothing extra.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from litestar.di import NamedDependency

from traceability.db.sql import queries_beside
from traceability.scanning.clone import Place
from traceability.scanning.flush import Recorded, ScanEvent, StampState, plan
from traceability.scanning.partitions import maintain_scan_log
from traceability.settings import CloneRules

Q = queries_beside(__file__)
__all__ = ["Recorded", "Recorder", "ScanEvent", "ScanRecorder", "StampState"]
log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Pending:
    event: ScanEvent
    future: asyncio.Future[Recorded]


class ScanRecorder:
    def __init__(
        self,
        pool: asyncpg.Pool,
        rules: CloneRules,
        *,
        flush_seconds: float = 0.002,
        max_batch: int = 1000,
        retention_months: int = 24,
        maintenance_seconds: float = 3600.0,
    ) -> None:
        self._pool = pool
        self._rules = rules
        self._flush_seconds = flush_seconds
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.recorded = 0
        self._conn: asyncpg.Connection | None = None
        # Rollup rows are per shard, so that two workers never wait on each other's rows.
        self._shard = random.randrange(32)
        self._retention_months = retention_months
        self._maintenance_seconds = maintenance_seconds
        self._maintenance: asyncio.Task[None] | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._run(), name="scan-recorder")
        self._maintenance = loop.create_task(self._maintain(), name="scan-log-partitions")

    async def stop(self) -> None:
        """Write what is pending, then stop."""
        self._closing = True
        self._wake.set()
        if self._maintenance is not None:
            self._maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._maintenance
        if self._task is not None:
            await self._task
        await self._release()

    async def _maintain(self) -> None:
        """Keep the scan log's monthly partitions ready, and drop those past retention."""
        # Not at once: a worker starting up has better things to do than DDL.
        await asyncio.sleep(min(5.0, self._maintenance_seconds))
        while True:
            try:
                async with self._pool.acquire() as conn:
                    await maintain_scan_log(conn, datetime.now(UTC), self._retention_months)
            except (OSError, asyncpg.PostgresError):
                log.warning("scan log partition upkeep failed; retrying later", exc_info=True)
            await asyncio.sleep(self._maintenance_seconds)

    async def record(self, event: ScanEvent) -> Recorded:
        if self._closing:
            raise RuntimeError("the scan recorder is stopping")
        future: asyncio.Future[Recorded] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(event, future))
        self._wake.set()
        # No shield needed: a cancelled waiter only cancels its own future; the scan it
        # handed over is written all the same (results go only to futures not done).
        return await future

    async def _connection(self) -> asyncpg.Connection:
        """The recorder's own connection, held between flushes (no acquire and reset each)."""
        if self._conn is not None and not _usable(self._conn):
            # Lost while idle (the database restarted): the pool has already taken it back.
            self._conn = None
        if self._conn is None:
            self._conn = await self._pool.acquire()
        return self._conn

    async def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._pool.release(conn)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if not self._closing:
                # Let more requests join this transaction.
                await asyncio.sleep(self._flush_seconds)
            self._wake.clear()
            while self._pending:
                batch, self._pending = (
                    self._pending[: self._max_batch],
                    self._pending[self._max_batch :],
                )
                try:
                    results = await self._write([p.event for p in batch])
                except Exception as exc:
                    log.exception("could not record %d scans", len(batch))
                    # The connection may be broken: give it back, take a fresh one next time.
                    with contextlib.suppress(Exception):
                        await self._release()
                    for p in batch:
                        if not p.future.done():
                            p.future.set_exception(exc)
                else:
                    self.recorded += len(batch)
                    for p, result in zip(batch, results, strict=True):
                        if not p.future.done():
                            p.future.set_result(result)
            if self._closing:
                return

    async def _write(self, events: list[ScanEvent]) -> list[Recorded]:
        serials = sorted(
            {e.serial for e in events if e.serial is not None and e.batch_id is not None}
        )
        conn = await self._connection()
        for attempt in itertools.count(1):
            try:
                async with conn.transaction():
                    rows = await conn.fetch(Q["lock_stamps"], serials) if serials else []
                    expected = await _expected_places(conn, serials)
                    flush = plan(self._rules, events, rows, self._shard, expected)
                    await conn.execute(Q["record_flush"], *flush.arguments())
                return flush.results
            except asyncpg.UniqueViolationError:
                # Another worker recorded the first scan of one of these stamps meanwhile:
                # read its row and judge again (rows are locked in serial order: no deadlock).
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")


async def _expected_places(conn: asyncpg.Connection, serials: list[int]) -> dict[int, list[Place]]:
    """Per scanned serial, the located stores that received it (recorded deliveries)."""
    found: dict[int, list[Place]] = {}
    if serials:
        for row in await conn.fetch(Q["expected_places"], serials):
            found.setdefault(row["serial"], []).append((row["latitude"], row["longitude"]))
    return found


def _usable(conn: asyncpg.Connection) -> bool:
    try:
        return not conn.is_closed()
    except asyncpg.InterfaceError:  # a pool's proxy whose connection died was detached
        return False


Recorder = NamedDependency[ScanRecorder]
"""A handler parameter ``recorder: Recorder`` gets the worker's scan recorder."""
