"""The schema: applied once, versioned, migrated under a lock, and every named query valid."""

from __future__ import annotations

import asyncio

import asyncpg

import traceability.app  # noqa: F401  (imports every domain, which loads every queries.sql)
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.schema import ensure_schema, migrations, schema_version_in_file, status
from traceability.db.sql import all_loaded_queries


async def _empty_database(pg_server: EmbeddedPostgres, name: str) -> str:
    admin = await asyncpg.connect(pg_server.url_for("postgres"))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return pg_server.url_for(name)


async def test_schema_version_matches_newest_migration() -> None:
    numbers = [m.version for m in migrations()]
    assert numbers == sorted(set(numbers)), "migration numbers must be unique"
    assert all(n >= 2 for n in numbers), "schema.sql is version 1; migrations start at 0002"
    assert schema_version_in_file() == max([1, *numbers])


async def test_empty_database_gets_the_schema_once(pg_server: EmbeddedPostgres) -> None:
    url = await _empty_database(pg_server, "schema_once")
    conn = await asyncpg.connect(url)
    try:
        assert (await status(conn)).current is None
        first = await ensure_schema(conn)
        assert first.current == first.latest == schema_version_in_file()
        again = await ensure_schema(conn)
        assert again.current == first.current
        assert await conn.fetchval("SELECT count(*) FROM schema_version") == 1
    finally:
        await conn.close()


async def test_workers_starting_together_apply_the_schema_once(pg_server: EmbeddedPostgres) -> None:
    url = await _empty_database(pg_server, "schema_race")
    conns = [await asyncpg.connect(url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(ensure_schema(c) for c in conns))
        assert {r.current for r in results} == {schema_version_in_file()}
        assert await conns[0].fetchval("SELECT count(*) FROM schema_version") == 1
    finally:
        for c in conns:
            await c.close()


async def test_every_named_query_prepares(db: asyncpg.Connection) -> None:
    """A typo in any queries.sql fails here, not in production."""
    loaded = all_loaded_queries()
    assert loaded, "no queries.sql was loaded"
    failures = []
    for path, queries in loaded.items():
        for name, sql in queries.items():
            try:
                await db.prepare(sql)
            except asyncpg.PostgresError as exc:
                failures.append(f"{path}:{name}: {exc}")
    assert not failures, "\n".join(failures)


async def test_schema_rejects_bad_identifiers(db: asyncpg.Connection) -> None:
    assert await db.fetchval("SELECT gs1_check_digit_ok('00012345600012')")
    assert not await db.fetchval("SELECT gs1_check_digit_ok('00012345600013')")
    for bad in ("8936012345671", "0893601234567a", "123"):
        try:
            await db.execute("SELECT $1::gtin14", bad)
        except asyncpg.CheckViolationError:
            continue
        raise AssertionError(f"{bad} was accepted as a GTIN-14")


async def test_audit_log_is_append_only(db: asyncpg.Connection) -> None:
    await db.execute(
        "INSERT INTO audit_log (actor_role, action, entity, entity_id)"
        " VALUES ('system', 'x', 'y', '1')"
    )
    for statement in (
        "UPDATE audit_log SET action = 'z'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        try:
            await db.execute(statement)
        except asyncpg.InsufficientPrivilegeError:
            continue
        raise AssertionError(f"{statement} was allowed")
    assert await db.fetchval("SELECT action FROM audit_log") == "x"
