"""The signing keys' rules, for both faces: the authority's keys page and
``traceability admin keys`` call these, and nothing else changes the key ring.

A rotation takes two steps so that no instance ever meets a stamp of a key it does not
know: :func:`add_pending` publishes a key that verifies everywhere and signs nothing;
:func:`activate` lets it sign once every running worker holds it. :func:`revoke` is for a
key that leaked: its stamps fail everywhere, also on workers whose keys folder is a copy
that has not received the change (the database records it). Every change is in the audit
log with the person (or the command) that made it, and every running worker is told.

The keys folder is not transactional: a change is saved to it first and then recorded, so
a change that failed to save leaves no record of a change that did not happen.
"""

from __future__ import annotations

import asyncio

import asyncpg

from stamps import KeyRing
from stamps.keys import KeyStatus
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.changes import KEYS, announce, instances
from traceability.errors import Conflict, Forbidden, NotFound
from traceability.settings import Settings
from traceability.signing import (
    change_key_ring,
    read_public_key_ring,
    ring_fingerprint,
    with_revocations,
)
from traceability.signing_keys import repository
from traceability.signing_keys.schemas import SigningKey, Spread
from traceability.stamping.repository import record_key_revocation, revoked_key_ids

ENTITY = "signing_key"


def _check(actor: Principal) -> None:
    if not actor.is_authority:
        raise Forbidden("Only the provincial authority manages the signing keys.")


async def key_ring(conn: asyncpg.Connection, settings: Settings) -> KeyRing:
    """The ring as saved (public halves), with the revocations the database records."""
    ring = await asyncio.to_thread(read_public_key_ring, settings)
    return with_revocations(ring, await revoked_key_ids(conn))


async def signing_keys(
    conn: asyncpg.Connection, actor: Principal, settings: Settings
) -> list[SigningKey]:
    """Every key of the ring, newest first, with the orders and stamps it signed."""
    _check(actor)
    ring = await key_ring(conn, settings)
    used = await repository.key_usage(conn)
    found = []
    for entry in reversed(ring.entries()):
        row = used.get(entry.kid)
        found.append(
            SigningKey(
                kid=entry.kid,
                status=entry.status.value,
                signs=entry.status is KeyStatus.ACTIVE,
                orders=row["orders"] if row else 0,
                stamps=row["stamps"] if row else 0,
                first_order_at=row["first_order_at"] if row else None,
                last_order_at=row["last_order_at"] if row else None,
            )
        )
    return found


async def spread(conn: asyncpg.Connection, settings: Settings) -> Spread:
    """The running workers, and those not holding the ring as saved yet (each reloads it
    within seconds where it shares the keys folder, at once when told)."""
    target = ring_fingerprint(await key_ring(conn, settings))
    running = await instances(conn)
    return Spread(running=len(running), lagging=[str(i) for i in running if i.ring != target])


async def _status(conn: asyncpg.Connection, settings: Settings, kid: str) -> KeyStatus:
    ring = await key_ring(conn, settings)
    if kid not in ring.kids:
        raise NotFound("There is no key %(kid)s in the key ring.", params={"kid": kid})
    return ring.status(kid)


async def _saved(
    conn: asyncpg.Connection, actor: Principal, kid: str, action: str, before: str, after: str
) -> None:
    await record(
        conn,
        actor,
        action,
        ENTITY,
        kid,
        cooperative_id=None,
        before={"status": before} if before else None,
        after={"status": after},
    )
    await announce(conn, KEYS)  # on commit: every worker reloads the ring at once


async def add_pending(conn: asyncpg.Connection, actor: Principal, settings: Settings) -> str:
    """A new key, published and verifying, signing nothing until :func:`activate`."""
    _check(actor)
    ring = await asyncio.to_thread(change_key_ring, settings, "pending")
    kid = ring.kids[-1]
    await _saved(conn, actor, kid, "add_pending", "", KeyStatus.PENDING.value)
    return kid


async def activate(
    conn: asyncpg.Connection,
    actor: Principal,
    settings: Settings,
    kid: str,
    *,
    force: bool = False,
) -> None:
    """Let a pending key sign new stamps, once every running worker holds it (``force``:
    even if some do not; they refuse to print its stamps until they load it)."""
    _check(actor)
    status = await _status(conn, settings, kid)
    if status is not KeyStatus.PENDING:
        raise Conflict(
            "Key %(kid)s is %(status)s, not waiting to sign.",
            params={"kid": kid, "status": status.value},
        )
    known = await spread(conn, settings)
    if known.lagging and not force:
        raise Conflict(
            "%(n)s of %(total)s running workers do not hold key %(kid)s yet: wait a few "
            "seconds and try again, or give them the keys folder.",
            params={"n": len(known.lagging), "total": known.running, "kid": kid},
        )
    await asyncio.to_thread(change_key_ring, settings, "activate", kid)
    await _saved(conn, actor, kid, "activate", status.value, KeyStatus.ACTIVE.value)


async def retire(conn: asyncpg.Connection, actor: Principal, settings: Settings, kid: str) -> None:
    """Stop a key from signing; its stamps keep verifying. Not the key that signs now:
    orders would wait for a key (rotate instead, which retires it)."""
    _check(actor)
    status = await _status(conn, settings, kid)
    if status is KeyStatus.ACTIVE:
        raise Conflict(
            "Key %(kid)s signs new stamps: rotate the key instead, which retires it once "
            "the new key signs.",
            params={"kid": kid},
        )
    if status in (KeyStatus.RETIRED, KeyStatus.REVOKED):
        raise Conflict(
            "Key %(kid)s is already %(status)s.", params={"kid": kid, "status": status.value}
        )
    await asyncio.to_thread(change_key_ring, settings, "retire", kid)
    await _saved(conn, actor, kid, "retire", status.value, KeyStatus.RETIRED.value)


async def revoke(conn: asyncpg.Connection, actor: Principal, settings: Settings, kid: str) -> None:
    """A key that leaked: every stamp it signed fails as forged, everywhere, and it never
    signs again (if it signs now, orders wait until another key is activated)."""
    _check(actor)
    status = await _status(conn, settings, kid)
    if status is KeyStatus.REVOKED:
        raise Conflict("Key %(kid)s is already revoked.", params={"kid": kid})
    await asyncio.to_thread(change_key_ring, settings, "revoke", kid)
    # Also in the database: workers whose keys folder is a copy learn of it from there.
    await record_key_revocation(conn, kid)
    await _saved(conn, actor, kid, "revoke", status.value, KeyStatus.REVOKED.value)
