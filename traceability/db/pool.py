"""The asyncpg pool, with the codecs every connection needs.

Behind PgBouncer in transaction pooling, consecutive statements of one client may run on
different server connections, so asyncpg's cache of named prepared statements breaks
("prepared statement __asyncpg_stmt_5__ does not exist"). A pooler is recognised at start
(the backend pid the server reports differs from the one in the connection's cancel key,
which the pooler makes up) and the cache is then turned off: every query is parsed,
bound and run in one go. Set the environment's ``DATABASE_DIRECT_URL`` for what needs a
session of its own (migrations, LISTEN/NOTIFY).
"""

from __future__ import annotations

import logging

import asyncpg
import msgspec

log = logging.getLogger(__name__)

SERVER_SETTINGS = {"timezone": "UTC", "application_name": "traceability"}
"""Every timestamp is stored and compared in UTC; pages convert for display."""


async def init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, encoded by msgspec (fast, and it knows Structs).
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(
            typ,
            encoder=lambda value: msgspec.json.encode(value).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )


async def behind_pooler(conn: asyncpg.Connection) -> bool:
    """True when a connection pooler (PgBouncer, Odyssey, pgcat…) sits between us and the server."""
    backend: int = await conn.fetchval("SELECT pg_backend_pid()")
    return bool(backend != conn.get_server_pid())


async def uses_pooler(url: str) -> bool:
    conn = await asyncpg.connect(url, statement_cache_size=0, server_settings=SERVER_SETTINGS)
    try:
        return await behind_pooler(conn)
    finally:
        await conn.close()


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    try:
        pooled = await uses_pooler(url)
    except (OSError, asyncpg.PostgresError) as exc:
        if min_size > 0:
            raise
        # A replica that is down at start: its pool opens later; without knowing whether a
        # pooler sits in front, the cache stays off (correct either way, a little slower).
        log.warning("could not reach %s to look for a pooler (%s)", _where(url), exc)
        pooled = True
    if pooled:
        log.info("the database is reached through a connection pooler: no prepared-statement cache")
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        server_settings=SERVER_SETTINGS,
        command_timeout=60,
        statement_cache_size=0 if pooled else 100,
    )
    assert pool is not None
    return pool


def _where(url: str) -> str:
    """The host part of a URL, never its password."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.hostname or 'the local socket'}:{parts.port or 5432}"
