"""When the database cannot serve, clients get a 503 to retry, never a 500; reads write nothing."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from traceability.app import create_app
from traceability.settings import Settings


def _as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{user}:@{parts.hostname or ''}"))


async def test_too_many_connections_is_a_503_to_retry(
    settings: Settings, db: asyncpg.Connection, authority: dict[str, str]
) -> None:
    """4 instances x 4 workers x 10 connections once exceeded max_connections: 52 requests
    answered 500 TooManyConnectionsError. They must be told to come back instead."""
    await db.execute("CREATE ROLE capped LOGIN CONNECTION LIMIT 0")
    await db.execute("GRANT ALL ON SCHEMA public TO capped")
    try:
        capped = replace(
            settings,
            database_url=_as_user(settings.database_url or "", "capped"),
            database_direct_url=settings.database_url,  # migrations check past the limit
            pool_min_size=0,
        )
        app = create_app(capped)
        async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
            response = await client.get("/api/v1/cooperatives", headers=authority)
            body = assert_problem(response, 503)
            assert response.headers["retry-after"] == "5"
            assert "try again" in body["detail"]
            ready = await client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["database"] == "unreachable"
    finally:
        await db.execute("REVOKE ALL ON SCHEMA public FROM capped")
        await db.execute("DROP ROLE capped")


async def test_reads_do_not_write_when_a_key_was_used(
    settings: Settings, db: asyncpg.Connection, authority: dict[str, str]
) -> None:
    """Every authenticated request used to update last_used_at in its own transaction, so
    GETs wrote (and failed on a replica). Now the use is written later, in the background
    (every minute, and when the worker stops)."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        for _ in range(3):
            assert (await client.get("/api/v1/api-keys/me", headers=authority)).status_code == 200
        assert await db.fetchval("SELECT last_used_at FROM api_keys") is None
    assert await db.fetchval("SELECT last_used_at FROM api_keys") is not None
