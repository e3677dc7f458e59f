"""Applying ``schema.sql`` to a new database and numbered migrations to an old one."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import asyncpg

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
# Any fixed number: it only has to be the same for every process of the service.
_LOCK_ID = 0x7E3A_51A3


def schema_sql() -> str:
    """The text of ``schema.sql``: the packaged copy in a wheel, else the project's root."""
    packaged = resources.files("traceability").joinpath("schema.sql")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "schema.sql").read_text(encoding="utf-8")


def schema_version_in_file() -> int:
    match = re.search(
        r"INSERT INTO schema_version \(version, description\) VALUES \((\d+),", schema_sql()
    )
    if match is None:
        raise RuntimeError("schema.sql does not record its version")
    return int(match.group(1))


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """Migrations in ``traceability/db/migrations``, ordered by number."""
    found = []
    for entry in resources.files("traceability.db").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    return found


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: int | None
    latest: int
    pending: list[Migration]


async def status(conn: asyncpg.Connection) -> SchemaStatus:
    latest = max([schema_version_in_file(), *(m.version for m in migrations())])
    has_table = await conn.fetchval("SELECT to_regclass('public.schema_version') IS NOT NULL")
    current = await conn.fetchval("SELECT max(version) FROM schema_version") if has_table else None
    pending = [m for m in migrations() if current is not None and m.version > current]
    return SchemaStatus(current, latest, pending)


async def ensure_schema(conn: asyncpg.Connection) -> SchemaStatus:
    """Create the schema in an empty database, or migrate an older one, exactly once.

    An advisory lock keeps several workers starting at once from racing each other.
    """
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
    try:
        before = await status(conn)
        if before.current is None:
            log.info("empty database: applying schema.sql (version %d)", before.latest)
            async with conn.transaction():
                await conn.execute(schema_sql())
        for migration in before.pending:
            log.info("migrating to %04d_%s", migration.version, migration.name)
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_version (version, description) VALUES ($1, $2)",
                    migration.version,
                    migration.name.replace("_", " "),
                )
        return await status(conn)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
