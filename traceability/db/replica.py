"""Reads that tolerate lag go to a streaming replica while it keeps up, else to the primary.

The lag is measured the way a client sees it: every second the primary's WAL position is
noted, and the replica is as old as the newest noted position it has replayed. (The usual
``now() - pg_last_xact_replay_timestamp()`` reads as large on an idle primary and as zero
when the replica has lost its primary; this reads right in both cases.)
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import suppress

import asyncpg

log = logging.getLogger(__name__)

UNAVAILABLE = (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)

_PRIMARY_POSITION = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8"
_REPLICA_POSITION = (
    "SELECT pg_is_in_recovery() AS standby,"
    " pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::float8 AS replayed"
)


class ReadPools:
    """Hands out a connection for lag-tolerant reads: the replica's, or the primary's."""

    def __init__(
        self,
        primary: asyncpg.Pool,
        replica: asyncpg.Pool | None,
        *,
        max_lag: float,
        check_every: float = 1.0,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.max_lag = max_lag
        self.check_every = check_every
        self.lag: float | None = None
        """Seconds the replica is behind; None before the first check or when unreachable."""
        self.problem: str | None = "not checked yet" if replica is not None else None
        self._positions: deque[tuple[float, float]] = deque(maxlen=3600)
        self._watcher: asyncio.Task[None] | None = None

    @property
    def using_replica(self) -> bool:
        return self.replica is not None and self.problem is None

    def start(self) -> None:
        if self.replica is not None:
            self._watcher = asyncio.create_task(self._watch(), name="replica-lag")

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with suppress(asyncio.CancelledError):
                await self._watcher
        if self.replica is not None:
            await self.replica.close()

    async def take(self, wait: float) -> tuple[asyncpg.Connection, asyncpg.Pool]:
        """A connection for reads and the pool to give it back to: the replica's, or the
        primary's when the replica lags or does not answer. ``TimeoutError`` when the
        primary's pool has none free within ``wait`` seconds."""
        if self.replica is not None and self.using_replica:
            try:
                return await self.replica.acquire(timeout=min(wait, 1.0)), self.replica
            except UNAVAILABLE as exc:
                self._mark(f"unreachable ({type(exc).__name__})")
        return await self.primary.acquire(timeout=wait), self.primary

    async def check(self) -> None:
        """Measure the replica's lag once (the watcher does this every ``check_every``)."""
        assert self.replica is not None
        now = time.monotonic()
        try:
            position = await self.primary.fetchval(_PRIMARY_POSITION, timeout=2)
            self._positions.append((now, position))
        except UNAVAILABLE:
            position = None  # the primary is down: the replica may be all there is; keep it
        try:
            row = await self.replica.fetchrow(_REPLICA_POSITION, timeout=2)
        except UNAVAILABLE as exc:
            self.lag = None
            self._mark(f"unreachable ({type(exc).__name__})")
            return
        if not row["standby"]:
            self.lag = None
            self._mark("not a standby (promoted?): it no longer follows the primary")
            return
        if position is None:
            return
        self.lag = self._lag(row["replayed"], now)
        if self.lag > self.max_lag:
            self._mark(f"{self.lag:.1f} s behind (more than {self.max_lag:g} s)")
        else:
            self._mark(None)

    def _lag(self, replayed: float, now: float) -> float:
        # The replica holds everything the primary had written at the newest noted time
        # whose position it has replayed.
        caught_up_at = None
        for at, position in reversed(self._positions):
            if position <= replayed:
                caught_up_at = at
                break
        if caught_up_at is None:
            caught_up_at = self._positions[0][0]
        return 0.0 if caught_up_at == now else now - caught_up_at

    def _mark(self, problem: str | None) -> None:
        if problem != self.problem:
            if problem is None:
                log.info("replica in use again for reads (lag %.1f s)", self.lag or 0.0)
            else:
                log.warning("replica not used for reads: %s; reading from the primary", problem)
        self.problem = problem

    async def _watch(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # a watcher that dies would pin reads to a stale choice
                log.exception("replica lag check failed")
            await asyncio.sleep(self.check_every)
