"""What the stamp domains keep for the life of a worker: keys, caches, the scan recorder."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg

from traceability.scanning.recorder import ScanRecorder
from traceability.scanning.service import ScanCache
from traceability.settings import Settings
from traceability.signing import StampKeys, load_stamp_keys
from traceability.verification.service import BulkVerifier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StampRuntime:
    settings: Settings
    keys: StampKeys
    cache: ScanCache
    recorder: ScanRecorder
    verifier: BulkVerifier


@asynccontextmanager
async def stamp_runtime(state: Any, settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[None]:
    """Load the key ring, start the scan recorder; at the end write what is pending and stop."""
    keys = await asyncio.to_thread(load_stamp_keys, settings)
    recorder = ScanRecorder(pool, settings.clone_rules, flush_seconds=settings.scan_flush_ms / 1000)
    recorder.start()
    verifier = BulkVerifier(keys.ring)
    state.stamps = StampRuntime(
        settings, keys, ScanCache(pool, settings.scan_cache_seconds), recorder, verifier
    )
    try:
        yield
    finally:
        await recorder.stop()
        verifier.close()
