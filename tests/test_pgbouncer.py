"""The service behind PgBouncer in transaction pooling (Debian's package; .ci/run installs it)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from traceability.app import create_app
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.pool import create_pool
from traceability.settings import Settings

PGBOUNCER = Path("/usr/sbin/pgbouncer")
SERVER_CONNECTIONS = 3


@dataclass(frozen=True)
class Bouncer:
    socket_dir: Path

    def url_for(self, database_url: str) -> str:
        name = database_url.split("?")[0].rsplit("/", 1)[1]
        return f"postgresql://postgres:@/{name}?host={self.socket_dir}&port=6432"


@pytest.fixture(scope="module")
def pgbouncer(pg_server: EmbeddedPostgres) -> Iterator[Bouncer]:
    if not PGBOUNCER.exists():
        pytest.skip("PgBouncer is not installed (apt-get install pgbouncer)")
    home = Path(tempfile.mkdtemp(prefix="traceability-test-pgbouncer-"))
    home.chmod(0o755)
    (home / "users.txt").write_text('"postgres" ""\n')
    (home / "pgbouncer.ini").write_text(
        f"""[databases]
* = host={pg_server.socket_dir} port=5432 user=postgres

[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = {home}
auth_type = trust
auth_file = {home}/users.txt
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 500
logfile = {home}/pgbouncer.log
pidfile = {home}/pgbouncer.pid
"""
    )
    user = pg_server.system_user  # PgBouncer refuses to run as root
    if user is not None:
        for path in (home, home / "users.txt", home / "pgbouncer.ini"):
            shutil.chown(path, user)
    process = subprocess.Popen([str(PGBOUNCER), str(home / "pgbouncer.ini")], user=user)
    deadline = time.monotonic() + 10
    while not (home / ".s.PGSQL.6432").exists():
        assert process.poll() is None, "PgBouncer did not start"
        assert time.monotonic() < deadline, "PgBouncer did not listen in time"
        time.sleep(0.05)
    try:
        yield Bouncer(home)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)


async def test_pool_recognises_the_pooler(pgbouncer: Bouncer, database_url: str) -> None:
    """With its prepared-statement cache on, asyncpg fails about one query in thirty behind
    transaction pooling ("prepared statement __asyncpg_stmt_5__ does not exist")."""
    pool = await create_pool(pgbouncer.url_for(database_url), min_size=20, max_size=20)
    failures: list[str] = []

    async def query(i: int) -> None:
        try:
            assert await pool.fetchval("SELECT $1::int + 0 * pg_backend_pid()", i) == i
        except asyncpg.PostgresError as exc:
            failures.append(str(exc))

    try:
        await asyncio.gather(*(query(i) for i in range(2000)))
    finally:
        await pool.close()
    assert failures == []


async def test_service_works_behind_transaction_pooling(
    settings: Settings, pgbouncer: Bouncer, db: asyncpg.Connection, authority: dict[str, str]
) -> None:
    assert settings.database_url is not None
    pooled = replace(
        settings,
        database_url=pgbouncer.url_for(settings.database_url),
        database_direct_url=settings.database_url,
        pool_min_size=5,
        pool_max_size=20,  # more client connections than PgBouncer's 3 server connections
    )
    app = create_app(pooled)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:

        async def create(i: int) -> int:
            body = {"name": f"HTX {i}", "tax_code": f"51{i:08d}", "district": "Bắc Mê",
                    "commune": "Yên Phong"}  # fmt: skip
            return (
                await client.post("/api/v1/cooperatives", json=body, headers=authority)
            ).status_code

        async def read(path: str) -> int:
            return (await client.get(path, headers=authority)).status_code

        statuses = await asyncio.gather(
            *(create(i) for i in range(60)),
            *(read("/api/v1/cooperatives") for _ in range(150)),
            *(read("/api/v1/api-keys/me") for _ in range(150)),
            *(read("/readyz") for _ in range(30)),
        )
        assert [s for s in statuses if s >= 500] == []
        assert statuses[:60] == [201] * 60
    assert await db.fetchval("SELECT count(*) FROM cooperatives") == 60


async def test_migrations_need_the_direct_url(settings: Settings, pgbouncer: Bouncer) -> None:
    assert settings.database_url is not None
    app = create_app(replace(settings, database_url=pgbouncer.url_for(settings.database_url)))
    with pytest.raises(BaseExceptionGroup) as refused:
        async with AsyncTestClient(app=app):
            pass
    assert "set DATABASE_DIRECT_URL" in repr(refused.value.exceptions)
