"""Test harness: one embedded PostgreSQL per test process, a fresh database per test.

``schema.sql`` is loaded once into a template database; each test gets its own copy
(``CREATE DATABASE … TEMPLATE``), so tests never see each other's rows and need no cleanup.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from litestar.testing import AsyncTestClient

from tests import world
from traceability.accounts.repository import Principal, create_key
from traceability.app import create_app
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.pool import init_connection
from traceability.db.schema import schema_sql
from traceability.scanning.partitions import maintain_scan_log
from traceability.settings import Settings

TEMPLATE = "traceability_template"
PUBLIC_URL = "https://tem.hagiang.gov.vn"
_counter = itertools.count()


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    # Every `async def` test runs on asyncio through anyio's plugin. The mark must be on
    # the function before anyio's own hook parametrizes it, hence this hook, not a later one.
    if asyncio.iscoroutinefunction(obj) and collector.funcnamefilter(name):  # type: ignore[attr-defined]
        pytest.mark.anyio(obj)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedPostgres]:
    # Not under pytest's temporary root: as root, the server runs as another system user
    # that must reach its data folder, and every new pytest session re-tightens that root
    # to 0700 (and prunes old session folders), which killed the servers of sessions still
    # running. A folder of our own in /tmp is left alone by other sessions.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    home = Path(tempfile.mkdtemp(prefix=f"traceability-test-pg-{worker}-"))
    home.chmod(0o755)
    server = EmbeddedPostgres(home / "pgdata", delete_on_stop=True)
    # A session killed (SIGKILL, SIGTERM, a timeout's kill) never reaches the `finally`
    # below: the server stops with this process or, under xdist, with the controller.
    owners = [os.getpid()]
    if "PYTEST_XDIST_WORKER" in os.environ:
        owners.append(os.getppid())
    server.stop_with(owners, remove=home)

    async def build_template() -> None:
        conn = await asyncpg.connect(server.url_for("postgres"))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        conn = await asyncpg.connect(server.url_for(TEMPLATE))
        try:
            await conn.execute(schema_sql())
            # The scan log's partitions of these months exist already, as in a running
            # service: otherwise each test's app made them a few seconds in, racing the
            # test's own scans (an insert routed to the default partition just as its month
            # was attached failed, and a loaded machine made that common).
            await maintain_scan_log(conn, datetime.now(UTC), retention_months=0)
        finally:
            await conn.close()

    asyncio.run(build_template())
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def embedded_data_dir() -> Iterator[Path]:
    """A data folder for a test that starts an embedded server of its own.

    Outside pytest's temporary root, for the reason given in ``pg_server``.
    """
    home = Path(tempfile.mkdtemp(prefix="traceability-test-data-"))
    home.chmod(0o755)
    yield home / "data"
    pid_file = home / "data" / "pgdata" / "postmaster.pid"
    if pid_file.exists():  # a failed test must not leave its server running
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text().split("\n", 1)[0]), signal.SIGKILL)
    shutil.rmtree(home, ignore_errors=True)


def _admin(pg_server: EmbeddedPostgres, statement: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(pg_server.url_for("postgres"))
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(run())


@pytest.fixture
def database_url(pg_server: EmbeddedPostgres) -> Iterator[str]:
    """A fresh database with the schema, cloned from the template (sync: usable everywhere)."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    _admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    yield pg_server.url_for(name)
    _admin(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        public_url=PUBLIC_URL,
        key_passphrase=b"test passphrase",
        pool_min_size=1,
        pool_max_size=4,
    )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A direct connection to the test's database, to check what was (not) written."""
    conn = await asyncpg.connect(database_url)
    await init_connection(conn)  # the same codecs as the service's pool
    yield conn
    await conn.close()


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


KeyMaker = Callable[..., Any]


@pytest.fixture
def make_key(db: asyncpg.Connection) -> KeyMaker:
    """``await make_key("cooperative", cooperative_id=1)`` → auth headers for a new key.

    A retailer's key belongs to a chain: ``chain_id=``, or a new chain of its own."""

    async def make(
        role: str,
        cooperative_id: int | None = None,
        name: str | None = None,
        chain_id: int | None = None,
    ) -> dict[str, str]:
        if role == "retailer" and chain_id is None:
            chain_id = await world.chain(db, f"Chain of {name or 'a test key'} {next(_counter)}")
        new = await create_key(
            db,
            name=name or f"{role} test key",
            role=role,  # type: ignore[arg-type]
            cooperative_id=cooperative_id,
            created_by=None,
            chain_id=chain_id,
        )
        return {"Authorization": f"Bearer {new.secret}"}

    return make


@pytest.fixture
async def authority(make_key: KeyMaker) -> dict[str, str]:
    headers: dict[str, str] = await make_key("authority")
    return headers


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """Every error is RFC 9457 problem details with the status it claims."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    return body


__all__ = ["PUBLIC_URL", "Principal", "assert_problem"]
