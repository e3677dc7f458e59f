"""The ``traceability`` command: serve, demo, db, admin."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from traceability.db.backup import BackupError
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.pool import SERVER_SETTINGS, init_connection
from traceability.db.schema import SchemaError, SchemaStatus, prepare, status
from traceability.logs import configure_logging
from traceability.settings import DEFAULT_PUBLIC_URL, Settings, SettingsError

T = TypeVar("T")
log = logging.getLogger("traceability")


class CommandError(Exception):
    """A refusal the user can act on: printed as one line, exit status 1."""


@contextmanager
def database(settings: Settings) -> Iterator[tuple[str, EmbeddedPostgres | None]]:
    """The database URL to use: ``DATABASE_URL``, or an embedded server started here."""
    if settings.database_url:
        yield settings.database_url, None
        return
    if settings.require_database_url:
        raise CommandError(
            "DATABASE_URL is not set, and TRACEABILITY_REQUIRE_DATABASE_URL forbids the "
            "embedded database: set DATABASE_URL to the production PostgreSQL"
        )
    embedded = EmbeddedPostgres(settings.pgdata_dir)
    try:
        yield embedded.url, embedded
    finally:
        embedded.stop()


def with_connection(
    url: str, work: Callable[[asyncpg.Connection], Awaitable[T]], *, read_only: bool = False
) -> T:
    """Run ``work`` on one connection; ``read_only`` makes the server refuse any write."""

    async def run() -> T:
        server_settings = dict(SERVER_SETTINGS)
        if read_only:
            server_settings["default_transaction_read_only"] = "on"
        conn = await asyncpg.connect(url, statement_cache_size=0, server_settings=server_settings)
        try:
            await init_connection(conn)
            return await work(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


def ready_schema(settings: Settings, url: str, *, migrate: bool | None = None) -> SchemaStatus:
    """The schema at ``url``, migrated first if allowed; refuses one this program cannot serve."""
    direct = (settings.database_direct_url or url) if settings.database_url else url
    return asyncio.run(
        prepare(
            direct,
            migrate=settings.migrate_on_start if migrate is None else migrate,
            lock_timeout=settings.migration_lock_timeout,
        )
    )


def serve(settings: Settings, url: str, embedded: EmbeddedPostgres | None) -> None:
    import uvicorn

    if embedded is not None:
        embedded.watch()  # restarts the server if it dies while we serve

    # Workers are separate processes: they find the (possibly embedded) server through the
    # environment, and the process that started it stops it when serving ends.
    os.environ["DATABASE_URL"] = url
    os.environ["TRACEABILITY_DATA_DIR"] = str(settings.data_dir)
    os.environ["TRACEABILITY_PUBLIC_URL"] = settings.public_url
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
    # handler that was there before it. Make that handler a clean exit, so the embedded
    # PostgreSQL is stopped by our context manager instead of being left running.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _exit_cleanly)
    uvicorn.run(
        "traceability.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level.lower(),
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=20,
    )


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def check_keys(settings: Settings, url: str) -> bool:
    """Load (or, for a database without batches, make) the keys before any worker starts.

    Every worker checks again, but a refusal is clearest here: one line, then exit.
    """
    from traceability.signing import KeyFolderError, load_stamp_keys
    from traceability.stamping.repository import batch_key_ids

    async def check(conn: asyncpg.Connection) -> None:
        await asyncio.to_thread(load_stamp_keys, settings, await batch_key_ids(conn))

    try:
        with_connection(url, check)
    except KeyFolderError as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return False
    return True


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    with database(settings) as (url, embedded):
        _warn_about(settings, embedded)
        ready_schema(settings, url)
        if not check_keys(settings, url):
            return 2
        serve(settings, url, embedded)
    return 0


def _warn_about(settings: Settings, embedded: EmbeddedPostgres | None) -> None:
    """Settings that are fine on a laptop and wrong in production, said before serving."""
    if settings.public_url == DEFAULT_PUBLIC_URL:
        log.warning(
            "TRACEABILITY_PUBLIC_URL is not set: stamps printed now would point at "
            "%s/S/…, which no phone can open. Set it to the public address (e.g. "
            "https://tem.hagiang.gov.vn) before printing",
            DEFAULT_PUBLIC_URL,
        )
    if embedded is not None and settings.host not in {"127.0.0.1", "localhost", "::1"}:
        log.warning(
            "serving on %s from the embedded database in %s. In production set DATABASE_URL "
            "(and TRACEABILITY_REQUIRE_DATABASE_URL=true, so a missing URL stops the service "
            "instead of starting an empty database)",
            settings.host,
            embedded.pgdata,
        )


def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from traceability.demo import DEMO_HOTLINE, seed
    from traceability.signing import KeyFolderError

    # Consumer pages show the authority's hotline; the demo has one unless you set yours.
    os.environ.setdefault("TRACEABILITY_AUTHORITY_PHONE", DEMO_HOTLINE)

    with database(settings) as (url, embedded):
        if embedded is None:
            # The demo writes demo cooperatives and fake scans: never into someone's data.
            foreign = with_connection(url, _records_not_from_the_demo, read_only=True)
            if foreign:
                raise CommandError(
                    f"DATABASE_URL points at a database holding {foreign} that the demo did "
                    "not make: the demo would add its cooperatives and fake scans to them. "
                    "Run the demo without DATABASE_URL (its own database), or on an empty one"
                )
        ready_schema(settings, url, migrate=True)
        try:
            links = with_connection(url, lambda conn: seed(conn, settings))
        except KeyFolderError as exc:
            print(f"cannot start: {exc}", file=sys.stderr)
            return 2
        base = f"http://{_display_host(settings.host)}:{settings.port}"
        # URLs alone on stdout, one per line (scripts read them); the words go to stderr.
        print(
            "Hà Giang traceability demo. Open the API docs, a GS1 Digital Link, its EPCIS "
            "events, the public keys, then stamps: genuine, suspicious, revoked, not yet "
            "activated, forged.",
            file=sys.stderr,
            flush=True,
        )
        for link in links:
            print(link if link.startswith("http") else base + link, flush=True)
        from traceability.accounts.demo import sign_in_help

        print(sign_in_help(base, datetime.now(UTC)), file=sys.stderr, flush=True)
        print(
            "For the API, make a key in the portal (API keys), or: uv run traceability admin "
            "create-key --role authority --name you",
            file=sys.stderr,
            flush=True,
        )
        serve(settings, url, embedded)
    return 0


async def _records_not_from_the_demo(conn: asyncpg.Connection) -> str:
    """What the database holds beyond an earlier demo's records ("" when nothing)."""
    from traceability.demo import DEMO

    if not await conn.fetchval("SELECT to_regclass('public.cooperatives') IS NOT NULL"):
        tables = await conn.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        )
        return f"{tables} tables" if tables else ""
    demo_tax_codes = [entry["cooperative"]["tax_code"] for entry in DEMO]
    row = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM cooperatives WHERE tax_code <> ALL($1::text[])) AS coops,"
        " (SELECT count(*) FROM api_keys) AS keys",
        demo_tax_codes,
    )
    found = [
        f"{n} {what}"
        for what, n in (("cooperatives", row["coops"]), ("API keys", row["keys"]))
        if n
    ]
    return " and ".join(found)


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in {"0.0.0.0", ""} else host  # noqa: S104


def cmd_db(settings: Settings, args: argparse.Namespace) -> int:
    with database(settings) as (url, _):
        if args.db_command == "apply":
            result = ready_schema(settings, url, migrate=True)
            print(f"schema at version {result.current} (latest {result.latest})")
        elif args.db_command == "status":
            now, text = with_connection(url, _describe, read_only=True)
            print(text)
            if args.check and not now.up_to_date:
                return 1
        elif args.db_command == "backup":
            return _backup(url, args.output, args.pg_dump)
    return 0


async def _describe(conn: asyncpg.Connection) -> tuple[SchemaStatus, str]:
    """What ``db status`` prints; reads only."""
    now = await status(conn)
    if now.current is None:
        return now, (
            f"empty database: no schema yet (this program would create version {now.latest}"
            " with `traceability db apply`)"
        )
    lines = [f"schema version {now.current} (latest {now.latest})"]
    if now.too_new:
        lines.append(
            f"the database is newer than this program (version {now.latest}): run the newer release"
        )
    for migration in now.pending:
        mode = "" if migration.in_transaction else " (outside a transaction)"
        lines.append(f"pending: {migration.version:04d}_{migration.name}{mode}")
    if now.pending:
        lines.append("apply them with `traceability db apply`")
    counts = await conn.fetchrow(
        "SELECT (SELECT count(*) FROM cooperatives) AS cooperatives,"
        " (SELECT count(*) FROM products) AS products,"
        " (SELECT count(*) FROM lots) AS lots,"
        " (SELECT count(*) FROM stamp_batches) AS stamp_batches"
    )
    lines += [f"{k}: {v}" for k, v in dict(counts).items()]
    return now, "\n".join(lines)


def _backup(url: str, output: str | None, pg_dump: str | None) -> int:
    from traceability.db.backup import dump

    async def version(conn: asyncpg.Connection) -> int:
        number: str = await conn.fetchval("SHOW server_version_num")
        return int(number)

    version_num = with_connection(url, version, read_only=True)
    target = Path(output or f"traceability-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.dump")
    tool = dump(url, target, version_num, Path(pg_dump) if pg_dump else None)
    restore = tool.path.with_name("pg_restore")
    print(
        f"backup written to {target} by pg_dump {tool.major} (the server's version); restore "
        f"with PostgreSQL {tool.major}'s pg_restore, e.g. {restore} --clean --if-exists "
        f"--no-owner --dbname=<database> {target}"
    )
    return 0


def cmd_admin(settings: Settings, args: argparse.Namespace) -> int:
    if args.admin_command == "keys":
        return _keys(settings, args)
    if args.admin_command == "create-user":
        return _create_user(settings, args)
    from traceability.accounts.repository import SYSTEM, create_key
    from traceability.audit.repository import record

    async def create(conn: asyncpg.Connection) -> str:
        async with conn.transaction():
            new = await create_key(
                conn,
                name=args.name,
                role=args.role,
                cooperative_id=args.cooperative_id,
                created_by=None,
                chain_id=args.chain_id,
            )
            await record(
                conn,
                SYSTEM,
                "create",
                "api_key",
                new.key.id,
                cooperative_id=new.key.cooperative_id,
                after=new.key,
            )
            return new.secret

    with database(settings) as (url, embedded):
        # Only the embedded database (which has no deploy step) is migrated here: a key made
        # against production must never change its schema as a side effect.
        ready_schema(settings, url, migrate=embedded is not None)
        print(with_connection(url, create))
    return 0


def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    """A portal account; its one-time password alone on stdout (to be changed at first use)."""
    import msgspec

    from traceability.accounts.repository import SYSTEM
    from traceability.accounts.schemas import UserCreate
    from traceability.accounts.service import create_user
    from traceability.errors import TraceabilityError

    try:
        data = msgspec.convert(
            {
                "login": args.login,
                "display_name": args.name.strip(),
                "role": args.role,
                "cooperative_id": args.cooperative_id,
                "chain_id": args.chain_id,
                "language": args.language,
            },
            UserCreate,
        )
    except msgspec.ValidationError as exc:
        print(f"invalid user: {exc}", file=sys.stderr)
        return 2

    async def create(conn: asyncpg.Connection) -> str:
        async with conn.transaction():
            return (await create_user(conn, SYSTEM, data)).one_time_password

    with database(settings) as (url, _):
        try:
            print(with_connection(url, create))
        except TraceabilityError as exc:
            print(exc.detail, file=sys.stderr)
            return 1
    print(
        "One-time password above: it must be changed at the first sign-in"
        + (" (then an authenticator app is set up)." if args.role == "authority" else "."),
        file=sys.stderr,
    )
    return 0


def _keys(settings: Settings, args: argparse.Namespace) -> int:
    from traceability.keys_cli import run

    return run(settings, args, database)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="traceability", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    def server_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
        p.add_argument("--port", type=int, help="port to listen on (default 8000)")
        p.add_argument("--workers", type=int, help="worker processes (default 1)")

    server_options(commands.add_parser("serve", help="run the service"))
    server_options(commands.add_parser("demo", help="seed Hà Giang demo data, then serve"))

    db = commands.add_parser("db", help="the database")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("apply", help="create or migrate the schema")
    db_status = db_commands.add_parser(
        "status", help="schema version, pending migrations and record counts (reads only)"
    )
    db_status.add_argument(
        "--check", action="store_true", help="exit with status 1 unless the schema is current"
    )
    backup = db_commands.add_parser("backup", help="dump the database with pg_dump")
    backup.add_argument("--output", "-o", help="file to write (custom format)")
    backup.add_argument(
        "--pg-dump", help="the pg_dump to use (default: the one of the server's major version)"
    )

    admin = commands.add_parser("admin", help="administration")
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    key = admin_commands.add_parser("create-key", help="create an API key; prints it alone")
    key.add_argument("--role", required=True, choices=["authority", "cooperative", "retailer"])
    key.add_argument("--name", required=True)
    key.add_argument("--cooperative-id", type=int)
    key.add_argument("--chain-id", type=int, help="a retailer's supermarket chain")
    user = admin_commands.add_parser(
        "create-user", help="create a portal user; prints their one-time password alone"
    )
    user.add_argument("--role", required=True, choices=["authority", "cooperative", "retailer"])
    user.add_argument("--login", required=True, help="mobile number or e-mail address")
    user.add_argument("--name", required=True, help="display name")
    user.add_argument("--cooperative-id", type=int)
    user.add_argument("--chain-id", type=int, help="a retailer's supermarket chain")
    user.add_argument("--language", choices=["vi", "en"], default="vi")
    from traceability.keys_cli import add_parser as add_keys_parser

    add_keys_parser(admin_commands)
    from traceability.stamping.download_cli import add_parser as add_stamps_parser

    add_stamps_parser(commands)
    return root


def cmd_stamps(settings: Settings, args: argparse.Namespace) -> int:
    from traceability.stamping.download_cli import run

    return run(args)


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], int]] = {
    "serve": cmd_serve,
    "demo": cmd_demo,
    "db": cmd_db,
    "admin": cmd_admin,
    "stamps": cmd_stamps,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    overrides: dict[str, Any] = {
        k: v for k in ("host", "port", "workers") if (v := getattr(args, k, None)) is not None
    }
    settings = replace(settings, **overrides)
    configure_logging(settings.log_level, settings.log_json)
    try:
        return COMMANDS[args.command](settings, args)
    except (CommandError, SchemaError, BackupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
