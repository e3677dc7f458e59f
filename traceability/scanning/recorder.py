"""The scan recorder: every scan is durably written before its page is sent.

Writing one row per request would cost a transaction per scan. Instead requests hand their
scan to the recorder and await it; the recorder gathers scans for a few milliseconds,
writes them all in one transaction (scans, per-stamp counters, clone verdicts) and then
resolves every waiting request with its stamp's state after the scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from litestar.di import NamedDependency

from traceability.db.sql import queries_beside
from traceability.scanning.clone import Place, suspicion
from traceability.scanning.service import PREVIEW
from traceability.settings import CloneRules

Q = queries_beside(__file__)
log = logging.getLogger(__name__)


@dataclass(slots=True)
class ScanEvent:
    """One scan as it will be stored. Never an IP address: a hashed prefix at most."""

    serial: int | None
    batch_id: int | None
    at: datetime
    verdict: str
    """What the stamp's ranges say: genuine, not_activated, revoked or not_genuine."""
    ua_family: str
    place_hash: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class StampState:
    """A stamp's own state right after a scan was recorded."""

    first_scan_at: datetime | None
    scan_count: int
    pin_verified_at: datetime | None
    scans_after_pin: int
    suspicious_at: datetime | None
    suspicious_reason: str | None
    places: int = 0


@dataclass(frozen=True, slots=True)
class Recorded:
    verdict: str
    """The final verdict: genuine may become genuine_first or suspicious."""
    state: StampState | None


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

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="scan-recorder")

    async def stop(self) -> None:
        """Write what is pending, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
        await self._release()

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
        per_stamp: dict[int, list[ScanEvent]] = defaultdict(list)
        for e in events:
            # A link preview is recorded (every page served is) but is not a scan of the
            # stamp: it neither counts nor adds a place for the clone rules.
            if e.serial is not None and e.ua_family != PREVIEW:
                per_stamp[e.serial].append(e)
        conn = await self._connection()
        async with conn.transaction():
            states: dict[int, StampState] = {}
            if per_stamp:
                serials = list(per_stamp)
                rows = await conn.fetch(
                    Q["upsert_stamp_scans"],
                    serials,
                    [per_stamp[s][0].batch_id for s in serials],
                    [min(e.at for e in per_stamp[s]) for s in serials],
                    [max(e.at for e in per_stamp[s]) for s in serials],
                    [len(per_stamp[s]) for s in serials],
                )
                # Columns in StampState's order after the serial (see upsert_stamp_scans).
                states = {r[0]: StampState(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}
                states = await self._judge(conn, per_stamp, states)
            results = [
                _final(e, states.get(e.serial) if e.serial is not None else None) for e in events
            ]
            await conn.execute(
                Q["insert_scans"],
                [e.serial for e in events],
                [e.batch_id for e in events],
                [e.at for e in events],
                [r.verdict for r in results],
                [e.ua_family for e in events],
                [e.place_hash for e in events],
                [e.latitude for e in events],
                [e.longitude for e in events],
            )
        return results

    async def _judge(
        self,
        conn: asyncpg.Connection,
        per_stamp: dict[int, list[ScanEvent]],
        states: dict[int, StampState],
    ) -> dict[int, StampState]:
        """Apply the clone rules to stamps that were scanned before (or twice in this flush)."""
        candidates = [
            s
            for s, st in states.items()
            if st.scan_count > 1 and per_stamp[s][0].verdict == "genuine"
        ]
        if not candidates:
            return states
        places: dict[int, dict[str, Place]] = defaultdict(dict)
        for r in await conn.fetch(Q["places_of"], candidates):
            places[r["serial"]][r["place"]] = Place(
                r["place"], r["latitude"], r["longitude"], r["last_at"]
            )
        for serial in candidates:
            for e in per_stamp[serial]:  # this flush's scans are not in the table yet
                key = _place_key(e)
                if key is None:
                    continue
                known = places[serial].get(key)
                if known is None or known.last_at < e.at:
                    places[serial][key] = Place(key, e.latitude, e.longitude, e.at)
            state = states[serial]
            seen = list(places[serial].values())
            state = _with_places(state, len(seen))
            if state.suspicious_at is None:
                reason = suspicion(self._rules, state.scan_count, state.scans_after_pin, seen)
                if reason is not None:
                    at = max(e.at for e in per_stamp[serial])
                    await conn.execute(Q["mark_suspicious"], serial, at, reason)
                    state = StampState(
                        state.first_scan_at,
                        state.scan_count,
                        state.pin_verified_at,
                        state.scans_after_pin,
                        at,
                        reason,
                        state.places,
                    )
            states[serial] = state
        return states


Recorder = NamedDependency[ScanRecorder]
"""A handler parameter ``recorder: Recorder`` gets the worker's scan recorder."""


def _place_key(e: ScanEvent) -> str | None:
    if e.latitude is not None and e.longitude is not None:
        # Matches places_of: PostgreSQL's float8 text of the rounded value.
        return f"{_pg_float(e.latitude)},{_pg_float(e.longitude)}"
    return e.place_hash


def _pg_float(value: float) -> str:
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def _with_places(state: StampState, places: int) -> StampState:
    return StampState(
        state.first_scan_at,
        state.scan_count,
        state.pin_verified_at,
        state.scans_after_pin,
        state.suspicious_at,
        state.suspicious_reason,
        places,
    )


def _final(event: ScanEvent, state: StampState | None) -> Recorded:
    verdict = event.verdict
    if verdict == "genuine" and state is not None:
        if state.suspicious_at is not None:
            verdict = "suspicious"
        elif state.scan_count == 1:
            verdict = "genuine_first"
    return Recorded(verdict, state)
