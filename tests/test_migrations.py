"""The migration runner: outside a transaction when asked, fail-fast locks, refusals."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest

from traceability.db import schema
from traceability.db.schema import Migration, SchemaError, ensure_schema, prepare, status
from traceability.db.statements import split_statements


def _pretend(monkeypatch: pytest.MonkeyPatch, *extra: Migration) -> None:
    """This program knows the real migrations plus ``extra`` (as a newer release would)."""
    known = schema.migrations()
    monkeypatch.setattr(schema, "migrations", lambda: [*known, *extra])


def _next(offset: int = 1) -> int:
    return schema.latest_version() + offset


def test_split_statements_keeps_quoted_semicolons() -> None:
    script = """
    -- transaction: none
    CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t (x);  -- a comment; with a semicolon
    INSERT INTO t VALUES ('it''s; fine', E'back\\'slash; too', "odd;name");
    /* block; /* nested; */ comment */
    CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
    SELECT $1;
    """
    statements = split_statements(script)
    assert len(statements) == 4, statements
    assert statements[0].endswith("ON t (x)")
    assert "'it''s; fine'" in statements[1]
    assert "E'back\\'slash; too'" in statements[1]
    assert statements[2].endswith("$body$ LANGUAGE sql")
    assert statements[3] == "SELECT $1"


def test_migration_header_chooses_transaction() -> None:
    assert Migration(2, "x", "ALTER TABLE t ADD c int;").in_transaction
    concurrent = "-- transaction: none\nCREATE INDEX CONCURRENTLY i ON t (c);"
    assert not Migration(2, "x", concurrent).in_transaction
    explained = "-- Why: big table\n-- transaction: none\nSELECT 1;"
    assert not Migration(2, "x", explained).in_transaction


async def test_concurrent_index_migration_runs_outside_a_transaction(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = _next()
    _pretend(
        monkeypatch,
        Migration(
            version,
            "index_lots_by_expiry",
            "-- transaction: none\n"
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS lots_by_expiry ON lots (expires_on);\n"
            "COMMENT ON INDEX lots_by_expiry IS 'built; without blocking writes';\n",
        ),
    )
    conn = await asyncpg.connect(database_url)
    try:
        assert [m.version for m in (await status(conn)).pending] == [version]
        after = await ensure_schema(conn)
        assert after.current == version
        assert not after.pending
        valid = await conn.fetchval(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'lots_by_expiry'::regclass"
        )
        assert valid is True
        recorded = await conn.fetchval(
            "SELECT description FROM schema_version WHERE version = $1", version
        )
        assert recorded == "index lots by expiry"
    finally:
        await conn.close()


async def test_migration_gives_up_its_lock_instead_of_stalling_traffic(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long transaction holds a table: the migration waits only lock_timeout, then lets
    the queries queued behind it run, and retries; later it succeeds."""
    version = _next()
    _pretend(monkeypatch, Migration(version, "add_note", "ALTER TABLE lots ADD COLUMN note text;"))
    holder = await asyncpg.connect(database_url)
    reader = await asyncpg.connect(database_url)
    migrator = await asyncpg.connect(database_url)
    try:
        hold = holder.transaction()
        await hold.start()
        await holder.fetch("SELECT * FROM lots")  # ACCESS SHARE until the transaction ends
        # Fail fast: two tries of 0.2 s each, and nothing was recorded.
        started = time.monotonic()
        with pytest.raises(SchemaError, match="could not take its table locks"):
            await ensure_schema(migrator, lock_timeout=0.2, attempts=2, retry_seconds=0.1)
        assert time.monotonic() - started < 3
        assert (await status(migrator)).current == version - 1

        # While the migration waits for its lock, readers of the table are held up no longer
        # than lock_timeout (a plain ALTER would queue them until the long transaction ends).
        migrating = asyncio.create_task(
            ensure_schema(migrator, lock_timeout=0.3, attempts=20, retry_seconds=0.2)
        )
        await asyncio.sleep(0.1)
        started = time.monotonic()
        for _ in range(5):
            await reader.fetch("SELECT count(*) FROM lots")
            await asyncio.sleep(0.05)
        assert time.monotonic() - started < 2.5
        await hold.rollback()
        after = await asyncio.wait_for(migrating, 15)
        assert after.current == version
        assert await reader.fetchval(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'lots' AND column_name = 'note'"
        )
    finally:
        for conn in (holder, reader, migrator):
            await conn.close()


async def test_program_refuses_a_schema_newer_than_it_knows(database_url: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO schema_version (version, description) VALUES ($1, 'from the future')",
            _next(5),
        )
    finally:
        await conn.close()
    for migrate in (True, False):
        with pytest.raises(SchemaError, match="newer than this program knows"):
            await prepare(database_url, migrate=migrate)


async def test_without_migrate_on_start_pending_migrations_are_refused(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    version = _next()
    _pretend(monkeypatch, Migration(version, "add_note", "ALTER TABLE lots ADD COLUMN note text;"))
    with pytest.raises(SchemaError, match=f"pending migrations {version:04d}_add_note"):
        await prepare(database_url, migrate=False)
    conn = await asyncpg.connect(database_url)
    try:
        assert (await status(conn)).current == version - 1  # nothing was applied
    finally:
        await conn.close()
    assert (await prepare(database_url, migrate=True)).current == version
