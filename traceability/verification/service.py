"""Verifying many stamps at once on every core.

``stamps.verify_many`` starts a process pool per call; a service answering many bulk
requests keeps one pool for its life instead, started on first need (spawning takes a
moment) and fed only the public half of the key ring.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Final

from stamps import InvalidStamp, KeyRing, verify

# Below this many codes, shipping them to other processes costs more than it saves.
PARALLEL_MIN: Final = 2_000
_CHUNK_MIN: Final = 500

Outcome = tuple[int, str | None]
"""(serial, None) for an authentic stamp; (-1, reason) otherwise."""

_ring: KeyRing | None = None


def _init_worker(ring: KeyRing) -> None:
    global _ring
    _ring = ring


def verify_codes(codes: list[str], ring: KeyRing | None = None) -> list[Outcome]:
    ring = ring or _ring
    assert ring is not None
    results: list[Outcome] = []
    append = results.append
    for code in codes:
        try:
            append((verify(code, ring).serial, None))
        except InvalidStamp as exc:
            append((-1, exc.reason.value))
    return results


class BulkVerifier:
    def __init__(self, ring: KeyRing, workers: int | None = None) -> None:
        self._ring = ring.public_only()
        self._workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=get_context("spawn"),
                initializer=_init_worker,
                initargs=(self._ring,),
            )
        return self._pool

    async def verify(self, codes: list[str]) -> list[Outcome]:
        if len(codes) < PARALLEL_MIN or self._workers < 2:
            return await asyncio.to_thread(verify_codes, codes, self._ring)
        loop = asyncio.get_running_loop()
        pool = self._executor()
        size = max(_CHUNK_MIN, -(-len(codes) // (self._workers * 2)))
        parts = await asyncio.gather(
            *(
                loop.run_in_executor(pool, verify_codes, codes[i : i + size])
                for i in range(0, len(codes), size)
            )
        )
        return [outcome for part in parts for outcome in part]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
