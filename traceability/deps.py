"""Request-scoped dependencies: one connection in one transaction, and the caller's key."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from traceability.accounts.repository import Principal, authenticate
from traceability.settings import Settings

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
    state: State, after_commit: OnCommit
) -> AsyncGenerator[asyncpg.Connection, None]:
    """A connection in a transaction: committed when the handler returns, rolled back if it raises.

    Handlers never touch the pool, so a failed request can never leave half its writes behind.
    """
    pool: asyncpg.Pool = state.pool
    async with pool.acquire() as conn:
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


async def provide_principal(request: Request[Any, Any, Any], conn: Conn) -> Principal:
    """The caller, from ``Authorization: Bearer <key>``; raises 401 without a valid key."""
    return await authenticate(conn, request.headers.get("authorization"))


AppSettings = NamedDependency[Settings]
"""A handler parameter ``settings: AppSettings`` gets the settings the worker started with."""

Caller = NamedDependency[Principal]
"""A handler parameter ``principal: Caller`` gets the authenticated key (401 without one)."""
