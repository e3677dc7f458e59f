"""People who sign in to the portal: their records, credentials and sessions (asyncpg calls)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Literal

import asyncpg
import msgspec

from traceability.accounts.repository import Principal, Role
from traceability.db.sql import queries_beside
from traceability.errors import NotFound

Q = queries_beside(__file__)

Language = Literal["vi", "en"]
Stage = Literal["change_password", "enrol_totp", "verify_totp", "signed_in"]


class User(msgspec.Struct, frozen=True):
    """A person with a portal account. Never carries the password hash or TOTP secret."""

    id: int
    login: str
    display_name: str
    role: Role
    cooperative_id: int | None
    language: Language
    password_is_temporary: bool
    has_second_factor: bool
    created_at: datetime
    disabled_at: datetime | None
    chain_id: int | None = None
    """The supermarket chain a retailer's person belongs to."""

    @property
    def principal(self) -> Principal:
        """The user as the caller of a service: the same rules as an API key of their role."""
        return Principal(
            key_id=None,
            name=self.display_name,
            role=self.role,
            cooperative_id=self.cooperative_id,
            user_id=self.id,
            chain_id=self.chain_id,
        )


class Credentials(msgspec.Struct, frozen=True):
    id: int
    password_hash: str
    totp_secret: str | None
    totp_last_step: int | None
    disabled_at: datetime | None


class Session(msgspec.Struct, frozen=True):
    id: int
    user: User
    stage: Stage
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class SessionSummary(msgspec.Struct, frozen=True):
    """A session as its owner sees it in the list of their signed-in devices."""

    id: int
    stage: Stage
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None


def _user(row: asyncpg.Record) -> User:
    return User(
        id=row["id"],
        login=row["login"],
        display_name=row["display_name"],
        role=row["role"],
        cooperative_id=row["cooperative_id"],
        language=row["language"],
        password_is_temporary=row["password_is_temporary"],
        has_second_factor=row["has_second_factor"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
        chain_id=row["chain_id"],
    )


async def insert_user(
    conn: asyncpg.Connection,
    *,
    login: str,
    display_name: str,
    role: Role,
    cooperative_id: int | None,
    language: Language,
    password_hash: str,
    created_by_user_id: int | None,
    chain_id: int | None = None,
) -> User:
    row = await conn.fetchrow(
        Q["insert_user"],
        login,
        display_name,
        role,
        cooperative_id,
        language,
        password_hash,
        created_by_user_id,
        chain_id,
    )
    return _user(row)


async def get_user(conn: asyncpg.Connection, user_id: int) -> User:
    row = await conn.fetchrow(Q["user_by_id"], user_id)
    if row is None:
        raise NotFound(f"No user {user_id}.")
    return _user(row)


async def list_users(
    conn: asyncpg.Connection,
    cooperative_id: int | None,
    before_id: int | None,
    limit: int,
    *,
    chain_id: int | None = None,
) -> list[User]:
    """Newest first: one cooperative's people, one chain's, or (both None) everyone."""
    rows = await conn.fetch(Q["list_users"], cooperative_id, before_id, limit, chain_id)
    return [_user(r) for r in rows]


async def credentials_by_login(conn: asyncpg.Connection, login: str) -> Credentials | None:
    row = await conn.fetchrow(Q["credentials_by_login"], login)
    return Credentials(**dict(row)) if row else None


async def credentials_by_id(conn: asyncpg.Connection, user_id: int) -> Credentials:
    row = await conn.fetchrow(Q["credentials_by_id"], user_id)
    if row is None:
        raise NotFound(f"No user {user_id}.")
    return Credentials(**dict(row))


async def set_password(
    conn: asyncpg.Connection, user_id: int, password_hash: str, *, temporary: bool
) -> User:
    return _user(await conn.fetchrow(Q["set_password"], user_id, password_hash, temporary))


async def set_totp(
    conn: asyncpg.Connection, user_id: int, secret: str | None, step: int | None
) -> None:
    await conn.execute(Q["set_totp"], user_id, secret, step)


async def use_totp_step(conn: asyncpg.Connection, user_id: int, step: int) -> bool:
    return await conn.fetchval(Q["use_totp_step"], user_id, step) is not None


async def set_profile(
    conn: asyncpg.Connection, user_id: int, display_name: str, language: Language
) -> User:
    return _user(await conn.fetchrow(Q["set_profile"], user_id, display_name, language))


async def set_disabled(conn: asyncpg.Connection, user_id: int, disabled: bool) -> User:
    return _user(await conn.fetchrow(Q["set_disabled"], user_id, disabled))


async def replace_recovery_codes(
    conn: asyncpg.Connection, user_id: int, hashes: list[bytes]
) -> None:
    await conn.execute(Q["delete_recovery_codes"], user_id)
    await conn.execute(Q["insert_recovery_codes"], user_id, hashes)


async def use_recovery_code(conn: asyncpg.Connection, user_id: int, code_hash: bytes) -> bool:
    return await conn.fetchval(Q["use_recovery_code"], user_id, code_hash) is not None


async def recovery_codes_left(conn: asyncpg.Connection, user_id: int) -> int:
    return int(await conn.fetchval(Q["recovery_codes_left"], user_id))


# -- sessions ------------------------------------------------------------------------------


def new_session_token() -> tuple[str, bytes]:
    """The cookie value (256 random bits) and the hash the database keeps of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def insert_session(
    conn: asyncpg.Connection,
    token_hash_: bytes,
    user_id: int,
    stage: Stage,
    lifetime: timedelta,
    user_agent: str | None,
) -> int:
    agent = user_agent[:300] if user_agent else None
    session_id: int = await conn.fetchval(
        Q["insert_session"], token_hash_, user_id, stage, lifetime, agent
    )
    return session_id


async def find_session(conn: asyncpg.Connection, token: str, idle: timedelta) -> Session | None:
    row = await conn.fetchrow(Q["find_session"], token_hash(token), idle)
    if row is None:
        return None
    return Session(
        id=row["session_id"],
        user=_user(row),
        stage=row["stage"],
        created_at=row["session_created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
    )


async def touch_session(conn: asyncpg.Connection, session_id: int) -> None:
    await conn.execute(Q["touch_session"], session_id)


async def advance_session(
    conn: asyncpg.Connection, session_id: int, token_hash_: bytes, stage: Stage
) -> bool:
    return await conn.fetchval(Q["advance_session"], session_id, token_hash_, stage) is not None


async def revoke_session(conn: asyncpg.Connection, session_id: int) -> None:
    await conn.execute(Q["revoke_session"], session_id)


async def revoke_user_sessions(
    conn: asyncpg.Connection, user_id: int, keep_session_id: int | None = None
) -> None:
    await conn.execute(Q["revoke_user_sessions"], user_id, keep_session_id)


async def list_user_sessions(
    conn: asyncpg.Connection, user_id: int, idle: timedelta
) -> list[SessionSummary]:
    rows = await conn.fetch(Q["list_user_sessions"], user_id, idle)
    return [SessionSummary(**dict(r)) for r in rows]
