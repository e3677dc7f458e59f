"""Keyset pagination over every sort order, and data that outlives the service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL, assert_problem
from tests.registry.conftest import Headers, cooperative_body, created
from traceability.accounts.repository import create_key
from traceability.app import create_app
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.schema import ensure_schema
from traceability.settings import Settings

pytestmark = pytest.mark.anyio

NAMES = ["Đông", "Anh", "Bình", "anh", "Ánh", "Cường", "Dũng", "Bình"]


async def _walk(client: AsyncTestClient[Any], headers: Headers, **params: Any) -> list[Any]:
    seen: list[Any] = []
    cursor: str | None = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/cooperatives", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params["limit"]
        seen += page["items"]
        cursor = page.get("next_cursor")
        if cursor is None:
            return seen


@pytest.mark.parametrize("sort", ["id", "-id", "name", "-name", "created_at", "-created_at"])
async def test_cursor_walks_every_row_once_in_order(
    client: AsyncTestClient[Any], authority: Headers, db: asyncpg.Connection, sort: str
) -> None:
    for n, name in enumerate(NAMES):
        await created(client, "/api/v1/cooperatives", cooperative_body(n, name=name), authority)
    everything = await _walk(client, authority, sort=sort, limit=100)
    assert len(everything) == len(NAMES)
    for limit in (1, 3):
        assert await _walk(client, authority, sort=sort, limit=limit) == everything
    field = sort.removeprefix("-")
    descending = sort.startswith("-")
    if field == "id":
        ids = [c["id"] for c in everything]
        assert ids == sorted(ids, reverse=descending)
    elif field == "created_at":
        times = [c["created_at"] for c in everything]
        assert times == sorted(times, reverse=descending)
    else:
        # The database's collation decides how Vietnamese names sort; equal names come in
        # id order whichever way the names go.
        order = "name DESC, id" if descending else "name, id"
        expected = [
            r["id"] for r in await db.fetch(f"SELECT id FROM cooperatives ORDER BY {order}")
        ]
        assert [c["id"] for c in everything] == expected
        same = [c["id"] for c in everything if c["name"] == "Bình"]
        assert same == sorted(same)


async def test_foreign_cursors_are_refused(
    client: AsyncTestClient[Any], authority: Headers
) -> None:
    for n in range(3):
        await created(client, "/api/v1/cooperatives", cooperative_body(n), authority)
    url = "/api/v1/cooperatives"
    first = (await client.get(url, params={"sort": "name", "limit": 1}, headers=authority)).json()
    assert first["next_cursor"]
    other_sort = {"sort": "-id", "limit": 1, "cursor": first["next_cursor"]}
    assert_problem(await client.get(url, params=other_sort, headers=authority), 400)
    garbage: dict[str, str | int] = {"cursor": "not-a-cursor!", "limit": 1}
    assert_problem(await client.get(url, params=garbage, headers=authority), 400)
    assert_problem(await client.get(url, params={"limit": 0}, headers=authority), 400)


async def test_registry_survives_a_restart(settings: Settings, authority: Headers) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        coop = await created(client, "/api/v1/cooperatives", cooperative_body(1), authority)
    async with AsyncTestClient(app=create_app(settings)) as client:
        again = await client.get(f"/api/v1/cooperatives/{coop['id']}", headers=authority)
        assert again.json() == coop


@pytest.mark.slow
async def test_embedded_database_keeps_the_registry(embedded_data_dir: Path) -> None:
    """No database_url: the service starts its own PostgreSQL in data_dir, and keeps it."""
    settings = Settings(
        database_url=None,
        data_dir=embedded_data_dir,
        public_url=PUBLIC_URL,
        pool_min_size=1,
        pool_max_size=2,
    )
    # The first key, as `traceability admin create-key` makes it: straight in the database.
    embedded = EmbeddedPostgres(settings.pgdata_dir)
    try:
        conn = await asyncpg.connect(embedded.url)
        try:
            await ensure_schema(conn)
            key = await create_key(
                conn, name="Sở KH&CN", role="authority", cooperative_id=None, created_by=None
            )
        finally:
            await conn.close()
    finally:
        embedded.stop()
    headers = {"Authorization": f"Bearer {key.secret}"}
    async with AsyncTestClient(app=create_app(settings)) as client:
        coop = await created(client, "/api/v1/cooperatives", cooperative_body(1), headers)
    assert not (settings.pgdata_dir / "postmaster.pid").exists(), "the server kept running"
    async with AsyncTestClient(app=create_app(settings)) as client:
        again = await client.get(f"/api/v1/cooperatives/{coop['id']}", headers=headers)
        assert again.json() == coop
