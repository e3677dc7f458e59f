"""Changes reaching every instance at once: PostgreSQL LISTEN/NOTIFY.

Each worker keeps in memory what a scan needs (a batch's activations and revocations, a
product's origin, a lot) and the key ring. Triggers in ``schema.sql`` send a notification
on the channel below whenever a row those caches hold is written, by any instance, command
or hand-written SQL; PostgreSQL delivers it when the writing transaction commits, never
before, and never for one that rolls back. ``admin keys`` sends ``keys`` after it changed
the ring. Payloads are ``<what>:<id>`` (``batch:12``, ``product:3``) or a bare word.

Each worker holds one connection of its own for listening, outside the pool and straight
to the primary (``DATABASE_DIRECT_URL`` behind PgBouncer: a pooler in transaction mode
cannot keep a LISTEN). A listener that lost its connection (a database restart, a network
cut) may have missed notifications: it tells the worker, which drops its caches, and keeps
trying to reconnect; meanwhile the caches trust entries only for a short time.

The listener's ``application_name`` says which key ring its worker holds, so that
``admin keys`` can see, in ``pg_stat_activity``, when every running worker has loaded a
change (:func:`instances`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

log = logging.getLogger(__name__)
_STOP_SECONDS = 5.0

CHANNEL = "traceability_change"
KEYS = "keys"
"""The payload ``admin keys`` sends after changing the key ring."""
_NAME_PREFIX = "traceability keys="
_KEEPALIVE_SECONDS = 5.0
_RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


def instance_name(ring_fingerprint: str) -> str:
    """The listener's ``application_name``: its ring, process and host (≤ 63 bytes)."""
    return f"{_NAME_PREFIX}{ring_fingerprint} pid={os.getpid()}@{socket.gethostname()}"[:63]


@dataclass(frozen=True, slots=True)
class Instance:
    """A running worker, as its listening connection shows it."""

    name: str
    address: str | None

    @property
    def ring(self) -> str:
        return self.name.removeprefix(_NAME_PREFIX).split(" ", 1)[0]

    def __str__(self) -> str:
        where = self.name.split(" ", 2)[-1]  # pid=…@host
        return f"{where} from {self.address}" if self.address else where


async def instances(conn: asyncpg.Connection) -> list[Instance]:
    """The workers listening on this database right now (application names are visible to
    every role, unlike most of ``pg_stat_activity``)."""
    rows = await conn.fetch(
        "SELECT application_name, client_addr::text FROM pg_stat_activity"
        " WHERE datname = current_database() AND application_name LIKE $1",
        _NAME_PREFIX + "%",
    )
    return [Instance(row[0], row[1]) for row in rows]


async def announce(conn: asyncpg.Connection, what: str) -> None:
    """Tell every listening worker (on commit, if ``conn`` is in a transaction)."""
    await conn.execute("SELECT pg_notify($1, $2)", CHANNEL, what)


class ThroughPooler(Exception):
    """The listening connection goes through a pooler, where LISTEN does not hold."""


class ChangeListener:
    """A worker's listening connection, kept open (and reopened) for the worker's life."""

    def __init__(
        self,
        url: str,
        on_change: Callable[[str], None],
        on_gap: Callable[[], None],
        name: str,
    ) -> None:
        self._url = url
        self._on_change = on_change
        self._on_gap = on_gap
        self._name = name
        self._conn: asyncpg.Connection | None = None
        self._lost = False
        self._poke = asyncio.Event()
        """Set when the connection closed or the name changed: the listening task looks."""
        self._task: asyncio.Task[None] | None = None
        self.listening = False
        """True while notifications reach this worker; caches may then trust for long."""

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="change-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Bounded, and never raising: a worker's shutdown must not hang or fail on it.
            done, _ = await asyncio.wait({self._task}, timeout=_STOP_SECONDS)
            if not done:
                log.error("the change listener did not stop within %s s", _STOP_SECONDS)
        await self._close()

    def rename(self, name: str) -> None:
        """Show a new ``application_name`` (after the worker loaded another key ring).

        The listening task sets it: only that task ever uses the connection (two queries at
        once on one connection fail, and one cancelled mid-way breaks it).
        """
        self._name = name
        self._poke.set()

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except ThroughPooler:
                log.error(
                    "cannot listen for changes through a connection pooler: set "
                    "DATABASE_DIRECT_URL to the primary itself; until then caches trust "
                    "entries only for TRACEABILITY_SCAN_CACHE_SECONDS"
                )
                await self._close()
                return
            except Exception as exc:
                if self.listening or failures == 0:
                    log.warning(
                        "not hearing about changes (%s); caches trust entries briefly until "
                        "the listener reconnects",
                        exc or type(exc).__name__,
                    )
                failures += 1
            else:
                failures = 0
            if self.listening:
                self.listening = False
                self._on_gap()
            await self._close()
            await asyncio.sleep(_RETRY_SECONDS[min(failures, len(_RETRY_SECONDS) - 1)])

    async def _listen(self) -> None:
        self._lost = False
        self._poke.clear()
        conn = await asyncpg.connect(
            self._url,
            timeout=10,
            server_settings={"application_name": self._name},
            # A few queries a minute; and named statements fail through a pooler, where this
            # connection must find out that it is.
            statement_cache_size=0,
        )
        self._conn = conn
        # Through PgBouncer in transaction mode, a LISTEN would stay on whichever server
        # connection ran it, then be lost: the pooler's cancel key names another backend.
        if await conn.fetchval("SELECT pg_backend_pid()") != conn.get_server_pid():
            raise ThroughPooler
        conn.add_termination_listener(self._terminated)
        await conn.add_listener(CHANNEL, self._notified)
        # Whatever changed before this moment was not heard: start from empty caches.
        self.listening = True
        self._on_gap()
        log.info("listening for changes on %s", CHANNEL)
        shown = self._name
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poke.wait(), _KEEPALIVE_SECONDS)
            self._poke.clear()
            if self._lost or conn.is_closed():
                raise ConnectionError("the listening connection closed")
            if self._name != shown:
                shown = self._name
                await conn.execute(
                    "SELECT set_config('application_name', $1, false)",
                    shown,
                    timeout=_KEEPALIVE_SECONDS,
                )
            else:  # a cut network shows only when something is sent
                await conn.execute("SELECT 1", timeout=_KEEPALIVE_SECONDS)

    def _terminated(self, conn: Any) -> None:
        self._lost = True
        self._poke.set()

    def _notified(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            self._on_change(payload)
        except Exception:
            log.exception("could not apply the change %r", payload)

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
