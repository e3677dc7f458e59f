"""``traceability admin keys``: the province's stamp-signing keys, changed without restarts.

Running workers reload ``keys/keyring.json`` by themselves: at once when told (a ``keys``
notification on the database), else within seconds. Each shows the ring it holds in its
listening connection's ``application_name``, so these commands can wait until every running
worker has the change, and say which have not.

A rotation takes two steps, so that no instance ever meets a stamp of a key it does not
know: the new key is first *pending* (published in the JWKS, verifying everywhere, signing
nothing); once every running worker holds it, it becomes the key that signs. A worker whose
keys folder does not receive the key (it is not shared with it) keeps the key pending: the
command names that worker and exits 1; ``activate`` finishes the rotation later.

The changes are made by the keys service (``traceability.signing_keys``), the one the
authority's keys page calls: audited as the system, every running worker told. Without the
database the command changes the keys folder alone and says what it could not check.

A revocation is also recorded in the database: every worker then treats the key as revoked,
also one whose keys folder is a copy that has not received the change (another machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import asyncpg

from stamps import KeyRing
from stamps.keys import KeyStatus, NoSigningKey
from traceability.accounts.repository import SYSTEM
from traceability.db.pool import init_connection
from traceability.errors import TraceabilityError
from traceability.settings import Settings
from traceability.signing import KeyFolderError, change_key_ring, read_key_ring
from traceability.signing_keys import service as signing_keys
from traceability.signing_keys.schemas import Spread

Database = Callable[[Settings], AbstractContextManager[tuple[str, Any]]]
"""``cli.database``: the URL of the database (the embedded server started if need be)."""


def add_parser(admin: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = admin.add_parser("keys", help="the authority's stamp signing keys")
    commands = keys.add_subparsers(dest="keys_command", required=True)
    commands.add_parser("list", help="key ids and their status")
    rotate = commands.add_parser(
        "rotate", help="a new key signs new stamps (once every instance has it); old stamps verify"
    )
    activate = commands.add_parser("activate", help="let a pending key sign new stamps")
    activate.add_argument("kid")
    activate.add_argument(
        "--force", action="store_true", help="even if some running instance lacks the key"
    )
    for change, meaning in (
        ("retire", "stop signing with a key; its stamps still verify"),
        ("revoke", "a compromised key: its stamps fail as 'revoked_key' everywhere"),
    ):
        commands.add_parser(change, help=meaning).add_argument("kid")
    for command in (rotate, activate):
        command.add_argument(
            "--wait",
            type=float,
            default=30.0,
            help="seconds to wait for every running instance to load the key (default 30)",
        )


def run(settings: Settings, args: argparse.Namespace, database: Database) -> int:
    command = args.keys_command
    try:
        if command == "list":
            show(read_key_ring(settings))
            return 0
        with ExitStack() as stack:
            url = _database_url(settings, database, stack)
            if url is not None:
                with contextlib.suppress(_Unreachable):
                    return asyncio.run(_online(settings, args, url))
            return _offline(settings, args)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    except TraceabilityError as exc:
        print(exc.detail, file=sys.stderr)
        return 1
    except KeyFolderError as exc:
        print(exc, file=sys.stderr)
        return 2


def _database_url(settings: Settings, database: Database, stack: ExitStack) -> str | None:
    """Where to tell the running instances (None: nowhere; the change is made all the same)."""
    try:
        url, _ = stack.enter_context(database(settings))
    except Exception as exc:
        print(f"cannot reach the database to tell the running instances: {exc}", file=sys.stderr)
        return None
    return settings.database_direct_url or url


def show(ring: KeyRing) -> None:
    try:
        current: str | None = ring.current_kid
    except NoSigningKey:
        current = None
        print("no key signs new stamps: activate one (or rotate)", file=sys.stderr)
    for kid in ring.kids:
        status = ring.status(kid)
        marker = "  (signs new stamps)" if kid == current else ""
        if status is KeyStatus.PENDING:
            marker = "  (verifies; signs once activated)"
        print(f"{kid}  {status.value}{marker}")


class _Unreachable(Exception):
    """The database did not answer: the command changes the keys folder alone."""


async def _online(settings: Settings, args: argparse.Namespace, url: str) -> int:
    """The change through the keys service, as the authority's keys page makes it: audited
    (as the system), recorded in the database, every running worker told."""
    try:
        conn = await asyncpg.connect(url, timeout=10)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"cannot reach the database to tell the running instances: {exc}", file=sys.stderr)
        raise _Unreachable from exc
    try:
        await init_connection(conn)  # the codecs the service's queries expect (jsonb)
        command = args.keys_command
        if command == "rotate":
            kid = await signing_keys.add_pending(conn, SYSTEM, settings)
            print(
                f"{kid} is pending: published and verifying, signing nothing yet", file=sys.stderr
            )
            return await _activate(conn, settings, kid, args.wait, False)
        if command == "activate":
            return await _activate(conn, settings, args.kid, args.wait, args.force)
        change = signing_keys.retire if command == "retire" else signing_keys.revoke
        await change(conn, SYSTEM, settings, args.kid)
        show(read_key_ring(settings))
        _report(await _wait(conn, settings, 10.0), f"{args.kid} is {command}d")
        return 0
    finally:
        await conn.close()


async def _activate(
    conn: asyncpg.Connection, settings: Settings, kid: str, wait: float, force: bool
) -> int:
    ring = await signing_keys.key_ring(conn, settings)
    if kid not in ring.kids:
        raise KeyError(f"no key {kid!r} in the ring ({', '.join(ring.kids)})")
    if ring.status(kid) is not KeyStatus.PENDING:
        print(f"{kid} is {ring.status(kid).value}, not pending", file=sys.stderr)
        return 1
    spread = await _wait(conn, settings, wait)
    if spread.lagging and not force:
        _report(spread, f"{kid} is known")
        show(read_key_ring(settings))
        print(_stays_pending(kid), file=sys.stderr)
        return 1
    await signing_keys.activate(conn, SYSTEM, settings, kid, force=force)
    _report(await _wait(conn, settings, wait), f"{kid} signs new stamps")
    show(read_key_ring(settings))
    return 0


async def _wait(conn: asyncpg.Connection, settings: Settings, seconds: float) -> Spread:
    """Up to ``seconds`` for every running instance to hold the ring as saved."""
    deadline = time.monotonic() + seconds
    while True:
        spread = await signing_keys.spread(conn, settings)
        if not spread.lagging or time.monotonic() > deadline:
            return spread
        await asyncio.sleep(0.2)


def _pending(kid: str) -> str:
    return f"{kid} is pending: published and verifying, signing nothing yet"


def _stays_pending(kid: str) -> str:
    return (
        f"{kid} stays pending. Give those instances the keys folder, then run: "
        f"traceability admin keys activate {kid}"
    )


def _offline(settings: Settings, args: argparse.Namespace) -> int:
    """Without the database: the folder alone changes, and the command says what it could
    not check (nothing is audited; a revocation is not done until the database has it)."""
    command, kid = args.keys_command, getattr(args, "kid", None)
    if command == "rotate":
        kid = change_key_ring(settings, "pending").kids[-1]
        print(_pending(kid), file=sys.stderr)
    if command in ("rotate", "activate") and not (command == "activate" and args.force):
        _report(None, f"{kid} is known")
        show(read_key_ring(settings))
        print(_stays_pending(str(kid)), file=sys.stderr)
        return 1
    show(change_key_ring(settings, command, kid))
    _report(None, f"{kid} is {command}d")
    if command == "revoke":
        print(
            f"{kid} is revoked in {settings.keys_dir} but not in the database: "
            "instances with another copy of the keys folder still accept its stamps. "
            f"Run this again once the database is reachable: "
            f"traceability admin keys revoke {kid}",
            file=sys.stderr,
        )
        return 1
    return 0


def _report(spread: Spread | None, done: str) -> None:
    """``done`` is what holds once every instance has the change: "5a1b… is revoked"."""
    if spread is None:
        print(
            f"could not check that {done} on the running instances; they load keys/ again "
            "within seconds where they share it",
            file=sys.stderr,
        )
        return
    if not spread.lagging:
        print(f"{done} on every running instance ({spread.running})", file=sys.stderr)
        return
    print(
        f"{len(spread.lagging)} of {spread.running} running instances do not have the change "
        f"yet ({done} elsewhere): " + "; ".join(spread.lagging),
        file=sys.stderr,
    )
