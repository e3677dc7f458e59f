"""API keys: random, shown once, kept only as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Literal

import asyncpg
import msgspec

from traceability.db.sql import queries_beside
from traceability.errors import InvalidInput, NotFound, Unauthorized

Q = queries_beside(__file__)

Role = Literal["authority", "cooperative", "retailer"]

# "tsk_" makes a leaked key easy to recognise (secret scanners, logs); 32 random bytes.
KEY_PREFIX = "tsk_"


class Principal(msgspec.Struct, frozen=True):
    """Who is calling, a machine (its API key) or a person (a portal user), and what it may do.

    Both kinds follow the same rules: a user acts with the role and organisation of their
    account, exactly as an API key of that role would.
    """

    key_id: int | None
    name: str
    role: Role
    cooperative_id: int | None = None
    user_id: int | None = None
    """Set when a person signed in to the portal is acting (``key_id`` is then None)."""
    chain_id: int | None = None
    """The supermarket chain of a retailer's key or person."""

    @property
    def is_authority(self) -> bool:
        return self.role == "authority"

    def visible_cooperative(self) -> int | None:
        """The cooperative a listing is limited to (None: all)."""
        return self.cooperative_id if self.role == "cooperative" else None

    def visible_chain(self) -> int | None:
        """The chain a listing is limited to (None: all)."""
        return self.chain_id if self.role == "retailer" else None


SYSTEM = Principal(key_id=None, name="system", role="authority")
"""For the CLI and the demo seeder: writes are still audited, as the system."""


class ApiKey(msgspec.Struct, frozen=True):
    id: int
    name: str
    role: Role
    cooperative_id: int | None
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    chain_id: int | None = None
    """The chain a retailer's key belongs to."""


class NewApiKey(msgspec.Struct, frozen=True):
    """A freshly created key. ``secret`` is shown this once and never again."""

    key: ApiKey
    secret: str


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


async def authenticate(conn: asyncpg.Connection, authorization: str | None) -> Principal:
    if not authorization:
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    scheme, _, secret = authorization.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    row = await conn.fetchrow(Q["find_key_by_hash"], hash_secret(secret.strip()))
    if row is None:
        raise Unauthorized("This API key is not known.")
    if row["revoked_at"] is not None:
        raise Unauthorized("This API key has been revoked.")
    if row["suspended_at"] is not None:
        raise Unauthorized(
            "The cooperative of this API key is suspended by the authority: its keys do not "
            "work until the suspension is lifted."
        )
    if row["chain_suspended_at"] is not None:
        raise Unauthorized(
            "The supermarket chain of this API key is suspended by the authority: its keys do "
            "not work until the suspension is lifted."
        )
    return Principal(
        row["id"], row["name"], row["role"], row["cooperative_id"], chain_id=row["chain_id"]
    )


async def create_key(
    conn: asyncpg.Connection,
    *,
    name: str,
    role: Role,
    cooperative_id: int | None,
    created_by: int | None,
    chain_id: int | None = None,
) -> NewApiKey:
    if (role == "cooperative") != (cooperative_id is not None):
        raise InvalidInput("A cooperative key needs a cooperative_id; other roles take none.")
    if (role == "retailer") != (chain_id is not None):
        raise InvalidInput("A retailer key needs a chain_id; other roles take none.")
    if cooperative_id is not None and not await conn.fetchval(
        Q["cooperative_exists"], cooperative_id
    ):
        raise NotFound(f"No cooperative {cooperative_id}.")
    if chain_id is not None and not await conn.fetchval(Q["chain_exists"], chain_id):
        raise NotFound(f"No chain {chain_id}.")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    row = await conn.fetchrow(
        Q["insert_key"],
        name,
        role,
        cooperative_id,
        secret[:10],
        hash_secret(secret),
        created_by,
        chain_id,
    )
    return NewApiKey(key=ApiKey(**dict(row)), secret=secret)


async def list_keys(
    conn: asyncpg.Connection,
    cooperative_id: int | None,
    after: int,
    limit: int,
    *,
    chain_id: int | None = None,
) -> list[ApiKey]:
    """Keys in id order: one cooperative's, one chain's, or (both None) every key."""
    rows = await conn.fetch(Q["list_keys"], cooperative_id, after, limit, chain_id)
    return [ApiKey(**dict(r)) for r in rows]


async def get_key(conn: asyncpg.Connection, key_id: int) -> ApiKey:
    row = await conn.fetchrow(Q["get_key"], key_id)
    if row is None:
        raise NotFound(f"No API key {key_id}.")
    return ApiKey(**dict(row))


async def revoke_key(conn: asyncpg.Connection, key_id: int) -> list[ApiKey]:
    """Revoke the key and every key made from it; the named key first."""
    rows = await conn.fetch(Q["revoke_key"], key_id)
    revoked = sorted((ApiKey(**dict(r)) for r in rows), key=lambda k: (k.id != key_id, k.id))
    if not revoked:
        raise NotFound(f"No API key {key_id}.")
    return revoked
