"""Request-scoped dependencies: one connection in one transaction, and the caller's key."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import asyncpg
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from traceability.accounts.repository import Principal, authenticate

Conn = NamedDependency[asyncpg.Connection]
"""A handler parameter ``conn: Conn`` gets the request's connection (in its transaction)."""


async def provide_conn(state: State) -> AsyncGenerator[asyncpg.Connection, None]:
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


async def provide_principal(request: Request[Any, Any, Any], conn: Conn) -> Principal:
    """The caller, from ``Authorization: Bearer <key>``; raises 401 without a valid key."""
    return await authenticate(conn, request.headers.get("authorization"))


Caller = NamedDependency[Principal]
"""A handler parameter ``principal: Caller`` gets the authenticated key (401 without one)."""
