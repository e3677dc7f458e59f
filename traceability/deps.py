"""Request-scoped dependencies: one connection in one transaction, and the caller's key."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import asyncpg
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from traceability.accounts.repository import Principal, authenticate
from traceability.db.replica import ReadPools
from traceability.errors import TraceabilityError
from traceability.settings import Settings

POOL_WAIT_SECONDS = 2.0
"""How long a request waits for a database connection before it is told to come back.

Connections are few (10 per worker); a request that cannot have one soon answers 503 with
``Retry-After`` instead of queueing until every client's timeout has passed.
"""


class Busy(TraceabilityError):
    """The service is busy; please try again in a moment."""

    status: ClassVar[int] = 503
    slug: ClassVar[str] = "busy"


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection from ``pool``, or ``Busy`` (503) if none frees up in time."""
    try:
        conn = await pool.acquire(timeout=POOL_WAIT_SECONDS)
    except TimeoutError as exc:
        raise Busy() from exc
    try:
        yield conn
    finally:
        await pool.release(conn)


_WITH_BODY = frozenset(("POST", "PUT", "PATCH"))

Conn = NamedDependency[asyncpg.Connection]
"""A handler parameter ``conn: Conn`` gets the request's connection (in its transaction)."""


class AfterCommit:
    """Work to do once the request's transaction has committed, and never if it rolls back.

    Forgetting cached facts that a request changed belongs here: forgotten before the
    commit, a concurrent request could load the old facts again and cache them.
    """

    __slots__ = ("_work",)

    def __init__(self) -> None:
        self._work: list[Callable[[], None]] = []

    def __call__(self, work: Callable[[], None]) -> None:
        self._work.append(work)

    def run(self) -> None:
        work, self._work = self._work, []
        for step in work:
            step()


OnCommit = NamedDependency[AfterCommit]
"""A handler parameter ``after_commit: OnCommit`` schedules work for after its commit."""


def provide_after_commit() -> AfterCommit:
    return AfterCommit()


async def provide_conn(
    request: Request[Any, Any, Any], state: State, after_commit: OnCommit
) -> AsyncGenerator[asyncpg.Connection, None]:
    """A connection in a transaction: committed when the handler returns, rolled back if it raises.

    Handlers never touch the pool, so a failed request can never leave half its writes behind.
    Litestar reads and decodes a handler's ``data`` before it resolves this dependency, so a
    slow or huge body never holds a connection. Bodies a handler reads itself (the PIN
    form) are read here first, for the same reason.
    """
    if request.method in _WITH_BODY and request.is_connected:
        # Kept by the request; bounded by the body deadline. A multipart ``data`` was
        # streamed already (Litestar keeps no copy): reading it again is "stream consumed".
        await request.body()
    async with acquire(state.pool) as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            yield conn
        except BaseException:
            await transaction.rollback()
            raise
        else:
            await transaction.commit()
    after_commit.run()


async def provide_read_conn(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
    """A read-only transaction on the replica (or on the primary while the replica lags).

    Handlers that only read and tolerate a few seconds of lag (analytics, public lists,
    origin pages) take it as their ``conn`` with ``dependencies=READS_FROM_REPLICA``.
    """
    reads: ReadPools = state.reads
    try:
        conn, pool = await reads.take(wait=POOL_WAIT_SECONDS)
    except TimeoutError as exc:
        raise Busy() from exc
    try:
        transaction = conn.transaction(readonly=True)
        await transaction.start()
        try:
            yield conn
        finally:
            await transaction.rollback()  # nothing to keep: it wrote nothing
    finally:
        await pool.release(conn)


READS_FROM_REPLICA = {"conn": Provide(provide_read_conn)}
"""``@get(..., dependencies=READS_FROM_REPLICA)``: the handler's ``conn`` reads from the replica."""


PRINCIPAL = "principal"
"""Where the authenticated Principal is kept in ``connection.state``.

A front end with its own sign-in (the portal's sessions) puts its Principal there before
routing; guards and handlers then treat it exactly like an API key's.
"""


async def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The caller of this request, authenticated once; 401 without valid credentials.

    Runs in the route's guard, before the body is read or the request's connection taken,
    on a connection of its own held only for the key lookup.
    """
    known = connection.state.get(PRINCIPAL)
    if isinstance(known, Principal):
        return known
    async with acquire(connection.app.state.pool) as conn:
        principal = await authenticate(conn, connection.headers.get("authorization"))
    # last_used_at is written in the background, so a request that reads writes nothing.
    connection.app.state.key_usage.note(principal.key_id)
    connection.state[PRINCIPAL] = principal
    return principal


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller (already authenticated by the route's guard); 401 without a valid key."""
    return await principal_of(request)


AppSettings = NamedDependency[Settings]
"""A handler parameter ``settings: AppSettings`` gets the settings the worker started with."""

Caller = NamedDependency[Principal]
"""A handler parameter ``principal: Caller`` gets the authenticated key (401 without one)."""
