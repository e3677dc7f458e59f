"""What a worker process keeps for its life, and how request handlers get it.

A worker loads the stamp keys and their secrets, starts the scan recorder, keeps the scan
cache and the bulk verifier's process pool. All of it is one :class:`Runtime`, built by the
app's lifespan. Handlers declare the parts they need as typed dependencies::

    async def handler(keys: Keys, cache: Cache, recorder: Recorder, settings: AppSettings)

(each alias lives beside its type, so the domains never import this module), and the scan
fast path gets the same object through :func:`current_runtime`. This module is the only
one that reads it from the application's state.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide

from traceability.scanning.recorder import ScanRecorder
from traceability.scanning.service import ScanCache
from traceability.settings import Settings
from traceability.signing import StampKeys, load_stamp_keys
from traceability.stamping.repository import batch_key_ids
from traceability.verification.service import BulkVerifier

log = logging.getLogger(__name__)

_STATE_KEY = "runtime"


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
    state: State, settings: Settings, pool: asyncpg.Pool
) -> AsyncIterator[Runtime]:
    """Load the key ring, start the scan recorder; at the end write what is pending and stop.

    Raises :class:`~traceability.signing.KeyFolderError` when the keys folder lacks a key
    or secret that the database's stamp batches need.
    """
    keys = await asyncio.to_thread(load_stamp_keys, settings, await batch_key_ids(pool))
    recorder = ScanRecorder(
        pool,
        settings.clone_rules,
        flush_seconds=settings.scan_flush_ms / 1000,
        retention_months=settings.scan_retention_months,
    )
    recorder.start()
    verifier = BulkVerifier(keys.ring)
    runtime = Runtime(
        settings, keys, ScanCache(pool, settings.scan_cache_seconds), recorder, verifier
    )
    state[_STATE_KEY] = runtime
    try:
        yield runtime
    finally:
        state.pop(_STATE_KEY, None)
        await recorder.stop()
        verifier.close()


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
