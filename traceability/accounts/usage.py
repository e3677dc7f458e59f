"""When each API key was last used, written in the background, never inside a request.

Writing ``last_used_at`` in every request's transaction made each GET a write (it could not
run on a replica) and made a busy key's requests queue on its row. Requests only note the
key here; one UPDATE a minute writes every key seen since.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import UTC, datetime

import asyncpg

from traceability.accounts.repository import Q
from traceability.db.replica import UNAVAILABLE

log = logging.getLogger(__name__)


class KeyUsage:
    def __init__(self, pool: asyncpg.Pool, *, flush_seconds: float = 60.0) -> None:
        self._pool = pool
        self._flush_seconds = flush_seconds
        self._seen: dict[int, datetime] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, key_id: int | None, at: datetime | None = None) -> None:
        if key_id is not None:
            self._seen[key_id] = at or datetime.now(UTC)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="key-usage")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def flush(self) -> None:
        if not self._seen:
            return
        seen, self._seen = self._seen, {}
        try:
            await self._pool.execute(Q["touch_keys"], list(seen), list(seen.values()), timeout=10)
        except UNAVAILABLE as exc:
            # Keep them for the next try, unless a newer use was noted meanwhile.
            for key_id, at in seen.items():
                self._seen.setdefault(key_id, at)
            log.warning(
                "could not record API key use (%s: %s); will retry", type(exc).__name__, exc
            )

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_seconds)
            await self.flush()
