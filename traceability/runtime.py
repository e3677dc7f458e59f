"""What a worker process keeps for its life, and how request handlers get it.

A worker loads the stamp keys and their secrets, starts the scan recorder, keeps the scan
cache and the bulk verifier's process pool, listens for changes made by other instances
(:mod:`traceability.changes`) and reloads the key ring when it changes on disk. All of it
is one :class:`Runtime`, built by the app's lifespan. Handlers declare the parts they need
as typed dependencies::

    async def handler(keys: Keys, cache: Cache, recorder: Recorder, settings: AppSettings)

(each alias lives beside its type, so the domains never import this module), and the scan
fast path gets the same object through :func:`current_runtime`. This module is the only
one that reads it from the application's state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from stamps import KeyRing
from stamps.keys import KeyStatus
from traceability.changes import KEYS, ChangeListener, instance_name
from traceability.scanning.recorder import ScanRecorder
from traceability.scanning.service import ScanCache
from traceability.settings import Settings
from traceability.signing import (
    KeyFolderError,
    StampKeys,
    load_stamp_keys,
    read_key_ring,
    ring_file_state,
    ring_fingerprint,
    with_revocations,
)
from traceability.stamping.repository import batch_key_ids, revoked_key_ids
from traceability.verification.service import BulkVerifier

log = logging.getLogger(__name__)
_STOP_SECONDS = 5.0

_STATE_KEY = "runtime"
_KEY_FILE_SECONDS = 2.0
"""How often a worker looks whether the key ring on disk changed without a notification."""


@dataclass(slots=True)
class Runtime:
    """A worker's long-lived services. ``keys`` is replaced whole when the key ring changes:
    read it once per request and use that value throughout."""

    settings: Settings
    keys: StampKeys
    cache: ScanCache
    recorder: ScanRecorder
    verifier: BulkVerifier


def current_runtime(state: State) -> Runtime | None:
    """The worker's runtime, or None before the lifespan has built it (or after it ended)."""
    runtime: Runtime | None = state.get(_STATE_KEY)
    return runtime


def runtime_of(app: Litestar) -> Runtime:
    """The running app's runtime (for tests and tools that hold the app)."""
    runtime = current_runtime(app.state)
    if runtime is None:
        raise RuntimeError("the app is not running: its lifespan builds the runtime")
    return runtime


@asynccontextmanager
async def worker_runtime(
    state: State, settings: Settings, pool: asyncpg.Pool, listen_url: str
) -> AsyncIterator[Runtime]:
    """Load the keys, start the scan recorder and the change listener; at the end write what
    is pending and stop.

    Raises :class:`~traceability.signing.KeyFolderError` when the keys folder lacks a key
    or secret that the database's stamp batches need.
    """
    batch_kids, revoked = await _key_facts(listen_url)
    keys = await asyncio.to_thread(load_stamp_keys, settings, batch_kids)
    keys = replace(keys, ring=with_revocations(keys.ring, revoked))
    recorder = ScanRecorder(
        pool,
        settings.clone_rules,
        flush_seconds=settings.scan_flush_ms / 1000,
        retention_months=settings.scan_retention_months,
    )
    recorder.start()
    runtime = Runtime(
        settings,
        keys,
        ScanCache(pool, settings.scan_cache_seconds),
        recorder,
        BulkVerifier(keys.ring),
    )
    reloader = KeyReloader(runtime, pool, revoked)
    listener = ChangeListener(
        listen_url,
        on_change=lambda what: reloader.wake() if what == KEYS else runtime.cache.changed(what),
        on_gap=lambda: _missed_changes(runtime, listener, reloader),
        name=instance_name(ring_fingerprint(keys.ring)),
    )
    reloader.listener = listener
    listener.start()
    reloader.start()
    hangup = _on_hangup(runtime, reloader)
    state[_STATE_KEY] = runtime
    try:
        yield runtime
    finally:
        state.pop(_STATE_KEY, None)
        hangup()
        await reloader.stop()
        await listener.stop()
        await recorder.stop()
        runtime.verifier.close()


async def _key_facts(url: str) -> tuple[set[str] | None, set[str]]:
    """The keys that signed the database's batches (None: it could not say) and the keys it
    records as revoked.

    Over a short connection of its own, straight to the primary, not from the pool: a worker
    must start, and answer 503s, while the pool gets no connection (PostgreSQL at its
    connection limit). The reloader reads the revocations again once the listener connects.
    """
    try:
        conn = await asyncpg.connect(url, timeout=10, statement_cache_size=0)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        log.warning("cannot ask the database which keys its stamp batches need (%s)", exc)
        return None, set()
    try:
        return await batch_key_ids(conn), await revoked_key_ids(conn)
    finally:
        await conn.close()


def _missed_changes(runtime: Runtime, listener: ChangeListener, reloader: KeyReloader) -> None:
    """The listener (re)connected or lost its connection: what is cached may be stale."""
    runtime.cache.hearing_changes(listener.listening)
    reloader.wake()


def _on_hangup(runtime: Runtime, reloader: KeyReloader) -> Callable[[], None]:
    """SIGHUP reloads the keys and drops the caches (the conventional "reload" signal; it
    used to end a single-worker service). Returns the undo."""

    def reload() -> None:
        log.info("SIGHUP: reloading the keys and dropping cached scan facts")
        runtime.cache.clear()
        reloader.wake()

    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, reload)
    except (RuntimeError, ValueError, NotImplementedError):
        return lambda: None  # not the main thread (a test's server): nothing to undo

    def undo() -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    return undo


class KeyReloader:
    """Keeps the worker's key ring as ``keys/keyring.json`` says, without a restart, with
    every key the database records as revoked revoked too.

    It looks at the file every couple of seconds (a copy that arrived by other means) and
    at once when woken: by a ``keys`` notification (``admin keys``, a revocation recorded in
    the database), by SIGHUP, or after the change listener missed notifications. While the
    listener is not hearing, it also reads the database's revocations every time it looks.
    """

    def __init__(self, runtime: Runtime, pool: asyncpg.Pool, revoked: set[str]) -> None:
        self._runtime = runtime
        self._pool = pool
        self._revoked = set(revoked)
        """Keys revoked in the database, as last read; it only grows (never un-revoke)."""
        self._revocations_read = True
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._seen = ring_file_state(runtime.settings)
        self.listener: ChangeListener | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="key-reloader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Bounded, and never raising: a worker's shutdown must not hang or fail on it.
            done, _ = await asyncio.wait({self._task}, timeout=_STOP_SECONDS)
            if not done:
                log.error("the key reloader did not stop within %s s", _STOP_SECONDS)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), _KEY_FILE_SECONDS)
            woken = self._wake.is_set()
            self._wake.clear()
            try:
                await self._look(woken)
            except Exception:  # the reloader must outlive any one bad look (and never fail
                log.exception("could not reload the key ring")  # the worker's shutdown)

    async def _look(self, woken: bool) -> None:
        settings = self._runtime.settings
        now = ring_file_state(settings)
        hearing = self.listener is not None and self.listener.listening
        if now == self._seen and not woken and hearing:
            return
        await self._read_revocations()
        ring = self._runtime.keys.ring
        if now != self._seen or woken:
            self._seen = now
            try:
                ring = await asyncio.to_thread(read_key_ring, settings)
            except KeyFolderError as exc:
                log.error("kept the key ring loaded before: %s", exc)
        await self.use(ring)

    async def _read_revocations(self) -> None:
        try:
            self._revoked |= await asyncio.wait_for(revoked_key_ids(self._pool), 5)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            if self._revocations_read:  # once per outage, not every few seconds
                log.warning("could not read the key revocations (%s); kept those read before", exc)
            self._revocations_read = False
        else:
            self._revocations_read = True

    async def use(self, ring: KeyRing) -> None:
        runtime = self._runtime
        held = runtime.keys.ring
        ring = with_revocations(ring, self._revoked)
        if _same(ring, held):
            return
        revoked = {e.kid for e in held.entries() if e.status is KeyStatus.REVOKED}
        lost = sorted(
            (set(held.kids) - set(ring.kids))
            | {
                kid
                for kid in revoked
                if kid in ring.kids and ring.status(kid) is not KeyStatus.REVOKED
            }
        )
        # Rings only grow, and a revoked key stays revoked: this is an old copy, not a change.
        if lost:
            log.error(
                "kept the key ring loaded before: %s lacks %s or their revocation (an older "
                "copy of the folder?)",
                runtime.settings.keys_dir,
                ", ".join(lost),
            )
            return
        runtime.keys = replace(runtime.keys, ring=ring)
        runtime.verifier.use(ring)
        log.info("loaded the changed key ring: %r", ring)
        if self.listener is not None:
            self.listener.rename(instance_name(ring_fingerprint(ring)))


def _same(one: KeyRing, other: KeyRing) -> bool:
    return [(e.kid, e.status, e.public_key) for e in one.entries()] == [
        (e.kid, e.status, e.public_key) for e in other.entries()
    ]


# --- typed dependencies -------------------------------------------------------------------


def _runtime(state: State) -> Runtime:
    runtime = current_runtime(state)
    if runtime is None:  # a request before startup finished or after shutdown began
        raise RuntimeError("the worker runtime is not running")
    return runtime


def _provide_settings(state: State) -> Settings:
    return _runtime(state).settings


def _provide_keys(state: State) -> StampKeys:
    return _runtime(state).keys


def _provide_cache(state: State) -> ScanCache:
    return _runtime(state).cache


def _provide_recorder(state: State) -> ScanRecorder:
    return _runtime(state).recorder


def _provide_verifier(state: State) -> BulkVerifier:
    return _runtime(state).verifier


def runtime_dependencies() -> dict[str, Any]:
    """The providers behind ``Keys``, ``Cache``, ``Recorder``, ``Verifier`` and ``AppSettings``."""
    return {
        name: Provide(provider, sync_to_thread=False)
        for name, provider in (
            ("settings", _provide_settings),
            ("keys", _provide_keys),
            ("cache", _provide_cache),
            ("recorder", _provide_recorder),
            ("verifier", _provide_verifier),
        )
    }
