"""Applying ``schema.sql`` to a new database and numbered migrations to an old one.

Migrations run on a connection of their own (no client-side command timeout: an index on a
large table may take minutes), one at a time under an advisory lock, each with a
``lock_timeout`` so a migration that cannot get its lock fails fast and tries again later
instead of queueing every scan behind it. A migration whose first lines say
``-- transaction: none`` runs statement by statement outside a transaction (for
``CREATE INDEX CONCURRENTLY``); such a migration must be safe to run again after a failure.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from importlib import resources
from pathlib import Path

import asyncpg

from traceability.db.pool import behind_pooler
from traceability.db.statements import split_statements

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_NO_TRANSACTION = re.compile(r"^--\s*transaction:\s*none\s*$", re.MULTILINE)
# Any fixed number: it only has to be the same for every process of the service.
_LOCK_ID = 0x7E3A_51A3


class SchemaError(RuntimeError):
    """The database's schema is not one this program can serve; the message says what to do."""


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

    @property
    def in_transaction(self) -> bool:
        """False when the file asks to run outside a transaction (``-- transaction: none``)."""
        header = "\n".join(
            line for line in self.sql.splitlines()[:5] if line.lstrip().startswith("--")
        )
        return _NO_TRANSACTION.search(header) is None


def migrations() -> list[Migration]:
    """Migrations in ``traceability/db/migrations``, ordered by number."""
    found = []
    for entry in resources.files("traceability.db").joinpath("migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    return found


def latest_version() -> int:
    """The newest schema version this program knows."""
    return max([schema_version_in_file(), *(m.version for m in migrations())])


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: int | None
    """The database's version; None for an empty database."""
    latest: int
    """The newest version this program knows."""
    pending: list[Migration]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.latest

    @property
    def too_new(self) -> bool:
        return self.current is not None and self.current > self.latest


async def status(conn: asyncpg.Connection) -> SchemaStatus:
    """Where the database's schema stands; reads only (safe on a replica)."""
    latest = latest_version()
    has_table = await conn.fetchval("SELECT to_regclass('public.schema_version') IS NOT NULL")
    current = await conn.fetchval("SELECT max(version) FROM schema_version") if has_table else None
    pending = [m for m in migrations() if current is not None and m.version > current]
    return SchemaStatus(current, latest, pending)


def check(now: SchemaStatus, *, migrate_hint: bool = True) -> None:
    """Refuse a schema this program cannot serve, with one line saying what to do."""
    if now.too_new:
        raise SchemaError(
            f"the database schema is at version {now.current}, newer than this program knows "
            f"({now.latest}): run the newer release of the service, or restore the database "
            "from before the upgrade"
        )
    if not migrate_hint:
        return
    if now.current is None:
        raise SchemaError(
            "the database is empty: create the schema with `traceability db apply` "
            "(or let the service do it: TRACEABILITY_MIGRATE_ON_START=true)"
        )
    if now.pending:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in now.pending)
        raise SchemaError(
            f"the database schema is at version {now.current}, this program needs "
            f"{now.latest}: pending migrations {names}; run `traceability db apply` in the "
            "deploy step (or set TRACEABILITY_MIGRATE_ON_START=true)"
        )


async def ensure_schema(
    conn: asyncpg.Connection,
    *,
    lock_timeout: float = 5.0,
    attempts: int = 5,
    retry_seconds: float = 1.0,
) -> SchemaStatus:
    """Create the schema in an empty database, or migrate an older one, exactly once.

    An advisory lock keeps several workers starting at once from racing each other. A
    migration that waits longer than ``lock_timeout`` for a table lock gives up, lets the
    traffic queued behind it through, and tries again (``attempts`` times in all).
    """
    await _advisory_lock(conn)
    try:
        before = await status(conn)
        check(before, migrate_hint=False)
        if before.current is None:
            log.info("empty database: applying schema.sql (version %d)", before.latest)
            async with conn.transaction():
                await conn.execute(schema_sql())
        for migration in before.pending:
            await _with_retries(
                partial(_apply, conn, migration, lock_timeout), migration, attempts, retry_seconds
            )
        return await status(conn)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)


async def _advisory_lock(conn: asyncpg.Connection) -> None:
    # Poll instead of waiting in pg_advisory_lock: a waiting statement holds a snapshot,
    # and CREATE INDEX CONCURRENTLY in the lock holder would wait for it forever.
    waited = False
    while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK_ID):
        if not waited:
            log.info("another process is migrating the schema; waiting for it")
            waited = True
        await asyncio.sleep(0.2)


async def _with_retries(
    run: Callable[[], Awaitable[None]], migration: Migration, attempts: int, retry_seconds: float
) -> None:
    for attempt in range(1, attempts + 1):
        try:
            await run()
            return
        except asyncpg.LockNotAvailableError:
            if attempt == attempts:
                raise SchemaError(
                    f"migration {migration.version:04d}_{migration.name} could not take its "
                    f"table locks in {attempts} tries (long transactions are holding them); "
                    "its version was not recorded: run `traceability db apply` again at a "
                    "quieter time, or raise TRACEABILITY_MIGRATION_LOCK_TIMEOUT"
                ) from None
            delay = retry_seconds * 2 ** (attempt - 1)
            log.warning(
                "migration %04d_%s waited too long for a lock; trying again in %.0f s",
                migration.version,
                migration.name,
                delay,
            )
            await asyncio.sleep(delay)


async def _apply(conn: asyncpg.Connection, migration: Migration, lock_timeout: float) -> None:
    timeout = f"{max(1, round(lock_timeout * 1000))}ms"
    mode = "" if migration.in_transaction else " (outside a transaction)"
    log.info("migrating to %04d_%s%s", migration.version, migration.name, mode)
    if migration.in_transaction:
        async with conn.transaction():
            await conn.execute("SELECT set_config('lock_timeout', $1, true)", timeout)
            await conn.execute(migration.sql)
            await _record(conn, migration)
        return
    await conn.execute("SELECT set_config('lock_timeout', $1, false)", timeout)
    try:
        for statement in split_statements(migration.sql):
            await conn.execute(statement)
    finally:
        await conn.execute("RESET lock_timeout")
    invalid = await conn.fetch(
        "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE NOT i.indisvalid AND n.nspname = current_schema()"
    )
    if invalid:
        names = ", ".join(r["relname"] for r in invalid)
        raise SchemaError(
            f"migration {migration.version:04d}_{migration.name} left invalid indexes ({names}): "
            "drop them (DROP INDEX CONCURRENTLY) and run `traceability db apply` again"
        )
    await _record(conn, migration)


async def _record(conn: asyncpg.Connection, migration: Migration) -> None:
    await conn.execute(
        "INSERT INTO schema_version (version, description) VALUES ($1, $2)",
        migration.version,
        migration.name.replace("_", " "),
    )


async def prepare(url: str, *, migrate: bool, lock_timeout: float = 5.0) -> SchemaStatus:
    """Make sure the database at ``url`` has a schema this program can serve, or say why not.

    ``url`` must reach the primary directly (not through a transaction pooler): the
    advisory lock belongs to a session. With ``migrate`` false nothing is written. A standby
    is refused either way: the service writes on every scan.
    """
    conn = await asyncpg.connect(
        url,
        statement_cache_size=0,  # a few statements, maybe through a pooler
        server_settings={"application_name": "traceability-schema"},
    )
    try:
        if migrate and await behind_pooler(conn):
            # A session advisory lock and statements outside a transaction need one server
            # connection throughout; a transaction pooler hands out another at each step.
            raise SchemaError(
                "migrations need a direct connection to the primary, and DATABASE_URL goes "
                "through a connection pooler: set DATABASE_DIRECT_URL to the primary itself"
            )
        if await conn.fetchval("SELECT pg_is_in_recovery()"):
            # Every scan and write would fail: better not to start than to look healthy.
            raise SchemaError(
                "the database is read-only (a standby in recovery): point DATABASE_URL at "
                "the primary, and DATABASE_REPLICA_URL at the standby"
            )
        if migrate:
            now = await ensure_schema(conn, lock_timeout=lock_timeout)
        else:
            now = await status(conn)
        check(now)
        return now
    finally:
        await conn.close()
