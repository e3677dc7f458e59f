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

A revocation is also recorded in the database: every worker then treats the key as revoked,
also one whose keys folder is a copy that has not received the change (another machine).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from typing import Any

import asyncpg

from stamps import KeyRing
from stamps.keys import KeyStatus, NoSigningKey
from traceability.changes import KEYS, Instance, announce, instances
from traceability.settings import Settings
from traceability.signing import (
    KeyFolderError,
    change_key_ring,
    read_key_ring,
    ring_fingerprint,
)
from traceability.stamping.repository import record_key_revocation

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
            if command == "rotate":
                return _rotate(settings, args.wait, url)
            if command == "activate":
                return _activate(settings, args.kid, args.wait, args.force, url)
            ring = change_key_ring(settings, command, args.kid)
            show(ring)
            revoke = args.kid if command == "revoke" else None
            spread = _spread(url, ring, 10.0, revoke=revoke)
            _report(spread, f"{args.kid} is {command}d")
            if revoke and spread is None:
                print(
                    f"{revoke} is revoked in {settings.keys_dir} but not in the database: "
                    "instances with another copy of the keys folder still accept its stamps. "
                    f"Run this again once the database is reachable: "
                    f"traceability admin keys revoke {revoke}",
                    file=sys.stderr,
                )
                return 1
            return 0
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
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


def _rotate(settings: Settings, wait: float, url: str | None) -> int:
    ring = change_key_ring(settings, "pending")
    kid = ring.kids[-1]
    print(f"{kid} is pending: published and verifying, signing nothing yet", file=sys.stderr)
    return _activate(settings, kid, wait, False, url)


def _activate(settings: Settings, kid: str, wait: float, force: bool, url: str | None) -> int:
    ring = read_key_ring(settings)
    if kid not in ring.kids:
        raise KeyError(f"no key {kid!r} in the ring ({', '.join(ring.kids)})")
    if ring.status(kid) is not KeyStatus.PENDING:
        print(f"{kid} is {ring.status(kid).value}, not pending", file=sys.stderr)
        return 1
    spread = _spread(url, ring, wait)
    if not force and (spread is None or spread[1]):
        _report(spread, f"{kid} is known")
        show(ring)
        print(
            f"{kid} stays pending. Give those instances the keys folder, then run: "
            f"traceability admin keys activate {kid}",
            file=sys.stderr,
        )
        return 1
    ring = change_key_ring(settings, "activate", kid)
    _report(_spread(url, ring, wait), f"{kid} signs new stamps")
    show(ring)
    return 0


Spread = tuple[list[Instance], list[Instance]] | None
"""The running instances and those of them that do not hold the ring; None: unknown."""


def _spread(url: str | None, ring: KeyRing, wait: float, revoke: str | None = None) -> Spread:
    """Tell the running instances, and wait up to ``wait`` s until all of them hold ``ring``.

    ``revoke``: record that key's revocation in the database first, so that it reaches the
    instances whose keys folder is a copy that has not received the change.
    """
    if url is None:
        return None
    target = ring_fingerprint(ring)

    async def tell(url: str) -> tuple[list[Instance], list[Instance]]:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            if revoke is not None:
                await record_key_revocation(conn, revoke)
            await announce(conn, KEYS)
            deadline = time.monotonic() + wait
            while True:
                running = await instances(conn)
                lagging = [i for i in running if i.ring != target]
                if not lagging or time.monotonic() > deadline:
                    return running, lagging
                await asyncio.sleep(0.2)
        finally:
            await conn.close()

    try:
        return asyncio.run(tell(url))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"cannot reach the database to tell the running instances: {exc}", file=sys.stderr)
        return None


def _report(spread: Spread, done: str) -> None:
    """``done`` is what holds once every instance has the change: "5a1b… is revoked"."""
    if spread is None:
        print(
            f"could not check that {done} on the running instances; they load keys/ again "
            "within seconds where they share it",
            file=sys.stderr,
        )
        return
    running, lagging = spread
    if not lagging:
        print(f"{done} on every running instance ({len(running)})", file=sys.stderr)
        return
    print(
        f"{len(lagging)} of {len(running)} running instances do not have the change yet "
        f"({done} elsewhere): " + "; ".join(str(instance) for instance in lagging),
        file=sys.stderr,
    )
