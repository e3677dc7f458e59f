"""``traceability db`` and the start-up refusals, as an operator runs them."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import asyncpg

from tests.test_cli import CLI, _env
from tests.test_schema import _empty_database as empty_database
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.schema import latest_version


def _run(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=_env(**env), capture_output=True, text=True, timeout=timeout
    )


def _empty_database(pg_server: EmbeddedPostgres, name: str) -> str:
    return asyncio.run(empty_database(pg_server, name))


def _tables(url: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            n: int = await conn.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            )
            return n
        finally:
            await conn.close()

    return asyncio.run(count())


def _set_version(url: str, version: int) -> None:
    async def write() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(
                "INSERT INTO schema_version (version, description) VALUES ($1, 'future')", version
            )
        finally:
            await conn.close()

    asyncio.run(write())


def test_db_status_reads_only(pg_server: EmbeddedPostgres) -> None:
    """Status of an empty database says so and leaves it empty (it used to create the schema)."""
    url = _empty_database(pg_server, "status_reads_only")
    result = _run("db", "status", "--check", DATABASE_URL=url)
    assert result.returncode == 1, result.stderr
    assert "empty database" in result.stdout
    assert _tables(url) == 0
    applied = _run("db", "apply", DATABASE_URL=url)
    assert applied.returncode == 0, applied.stderr
    assert _tables(url) > 0
    now = _run("db", "status", "--check", DATABASE_URL=url)
    assert now.returncode == 0, now.stderr
    assert f"schema version {latest_version()} (latest {latest_version()})" in now.stdout
    assert "pending" not in now.stdout


def test_create_key_does_not_migrate(pg_server: EmbeddedPostgres) -> None:
    url = _empty_database(pg_server, "create_key_no_migrate")
    result = _run("admin", "create-key", "--role", "authority", "--name", "x", DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "the database is empty" in result.stderr
    assert "traceability db apply" in result.stderr
    assert _tables(url) == 0


def test_serve_refuses_a_schema_newer_than_it_knows(database_url: str) -> None:
    _set_version(database_url, latest_version() + 1)
    result = _run("serve", "--port", "1", DATABASE_URL=database_url)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("error: the database schema is at version")
    assert "newer than this program knows" in lines[-1]
    assert "Traceback" not in result.stderr
    status = _run("db", "status", "--check", DATABASE_URL=database_url)
    assert status.returncode == 1
    assert "newer than this program" in status.stdout


def test_serve_refuses_the_embedded_database_when_a_url_is_required(tmp_path: Path) -> None:
    result = _run(
        "serve",
        TRACEABILITY_REQUIRE_DATABASE_URL="true",
        TRACEABILITY_DATA_DIR=str(tmp_path / "data"),
    )
    assert result.returncode == 1
    assert "DATABASE_URL is not set" in result.stderr
    assert not (tmp_path / "data" / "pgdata").exists()  # no empty database was made


def test_demo_refuses_a_database_holding_real_records(database_url: str) -> None:
    """The demo used to write its cooperatives and fake scans into any DATABASE_URL."""

    async def real_records() -> None:
        conn = await asyncpg.connect(database_url)
        try:
            await conn.execute(
                "INSERT INTO api_keys (name, role, prefix, secret_hash)"
                " VALUES ('Sở KH&CN', 'authority', 'tsk_abcdef', sha256('x'::bytea))"
            )
        finally:
            await conn.close()

    asyncio.run(real_records())
    result = _run("demo", "--port", "1", DATABASE_URL=database_url)
    assert result.returncode == 1
    assert "1 API keys that the demo did not make" in result.stderr
    assert _count(database_url, "cooperatives") == 0


def test_serve_warns_when_the_public_url_is_the_default(database_url: str) -> None:
    _set_version(database_url, latest_version() + 1)  # so that serve stops right after
    default = _run("serve", "--port", "1", DATABASE_URL=database_url)
    assert "TRACEABILITY_PUBLIC_URL is not set" in default.stderr
    assert "http://localhost:8000/S/" in default.stderr
    public = "https://tem.hagiang.gov.vn"
    chosen = _run("serve", "--port", "1", DATABASE_URL=database_url, TRACEABILITY_PUBLIC_URL=public)
    assert "TRACEABILITY_PUBLIC_URL" not in chosen.stderr


def _count(url: str, table: str) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(url)
        try:
            n: int = await conn.fetchval(f"SELECT count(*) FROM {table}")
            return n
        finally:
            await conn.close()

    return asyncio.run(count())
