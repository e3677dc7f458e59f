"""Accounts as the API and the portal both use them: one set of rules for keys and people.

Every function takes the acting ``Principal`` (an API key or a signed-in person), checks
what that actor may do, writes, and records the write in the audit log, in the caller's
transaction. Controllers and portal pages only translate HTTP to these calls and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from traceability.accounts import passwords, throttle, totp
from traceability.accounts import repository as keys
from traceability.accounts import users as people
from traceability.accounts.logins import is_valid_login, normalise_login
from traceability.accounts.repository import ApiKey, NewApiKey, Principal, Role
from traceability.accounts.schemas import (
    ApiKeyCreate,
    NewUser,
    PasswordChange,
    ProfileUpdate,
    UserCreate,
)
from traceability.accounts.users import Session, Stage, User
from traceability.audit.repository import record
from traceability.errors import Conflict, Forbidden, InvalidInput, NotFound
from traceability.registry.access import check_key_grant, in_organisation
from traceability.settings import Settings

# -- API keys ------------------------------------------------------------------------------


def _require(actor: Principal, *roles: Role) -> None:
    """The services check roles too: the portal's pages have no API guards in front of them."""
    if actor.role not in roles:
        raise Forbidden(f"This needs a key of role {' or '.join(roles)}.")


async def create_api_key(
    conn: asyncpg.Connection, actor: Principal, data: ApiKeyCreate
) -> NewApiKey:
    """The authority issues keys for any role; a cooperative or a chain only for itself."""
    _require(actor, "authority", "cooperative", "retailer")
    check_key_grant(actor, data.role, data.cooperative_id, data.chain_id)
    new = await keys.create_key(
        conn,
        name=data.name,
        role=data.role,
        cooperative_id=data.cooperative_id,
        chain_id=data.chain_id,
        created_by=actor.key_id,
    )
    await record(
        conn,
        actor,
        "create",
        "api_key",
        new.key.id,
        cooperative_id=new.key.cooperative_id,
        after=new.key,
    )
    return new


async def revoke_api_key(conn: asyncpg.Connection, actor: Principal, key_id: int) -> ApiKey:
    _require(actor, "authority", "cooperative", "retailer")
    before = await keys.get_key(conn, key_id)
    if not in_organisation(actor, before.cooperative_id, before.chain_id):
        raise NotFound(f"No API key {key_id}.")
    after, *made_by_it = await keys.revoke_key(conn, key_id)
    await record(
        conn,
        actor,
        "revoke",
        "api_key",
        key_id,
        cooperative_id=after.cooperative_id,
        before=before,
        after=after,
    )
    for child in made_by_it:
        # Revoked with the key that made it (directly or through another key).
        await record(
            conn, actor, "revoke", "api_key", child.id,
            cooperative_id=child.cooperative_id, after={"key": child, "cascade_from": key_id},
        )  # fmt: skip
    return after


async def list_api_keys(
    conn: asyncpg.Connection, actor: Principal, after: int, limit: int
) -> list[ApiKey]:
    _require(actor, "authority", "cooperative", "retailer")
    return await keys.list_keys(
        conn, actor.visible_cooperative(), after, limit, chain_id=actor.visible_chain()
    )


# -- people --------------------------------------------------------------------------------


def _login(raw: str) -> str:
    login = normalise_login(raw)
    if not is_valid_login(login):
        raise InvalidInput(
            "Enter a mobile number (e.g. 0912 345 678) or an e-mail address.", field="login"
        )
    return login


async def create_user(conn: asyncpg.Connection, actor: Principal, data: UserCreate) -> NewUser:
    """The authority creates anyone; a cooperative's or a chain's user invites colleagues of
    its own organisation."""
    _require(actor, "authority", "cooperative", "retailer")
    cooperative_id, chain_id = data.cooperative_id, data.chain_id
    if actor.role == "cooperative":
        if (
            data.role != "cooperative"
            or cooperative_id not in (None, actor.cooperative_id)
            or chain_id is not None
        ):
            raise Forbidden("A cooperative may only invite colleagues of its own cooperative.")
        cooperative_id = actor.cooperative_id
    elif actor.role == "retailer":
        if (
            data.role != "retailer"
            or chain_id not in (None, actor.chain_id)
            or cooperative_id is not None
        ):
            raise Forbidden("A chain may only invite colleagues of its own chain.")
        chain_id = actor.chain_id
    if (data.role == "cooperative") != (cooperative_id is not None):
        raise InvalidInput(
            "A cooperative's user needs a cooperative; other roles take none.",
            field="cooperative_id",
        )
    if (data.role == "retailer") != (chain_id is not None):
        raise InvalidInput(
            "A retailer's user needs a supermarket chain; other roles take none.",
            field="chain_id",
        )
    if cooperative_id is not None and not await conn.fetchval(
        keys.Q["cooperative_exists"], cooperative_id
    ):
        raise InvalidInput("There is no such cooperative.", field="cooperative_id")
    if chain_id is not None and not await conn.fetchval(keys.Q["chain_exists"], chain_id):
        raise InvalidInput("There is no such chain.", field="chain_id")
    one_time = passwords.one_time_password()
    try:
        async with conn.transaction():  # a savepoint: a taken login must not spoil the request
            user = await people.insert_user(
                conn,
                login=_login(data.login),
                display_name=data.display_name,
                role=data.role,
                cooperative_id=cooperative_id,
                language=data.language,
                password_hash=await passwords.hash_password(one_time),
                created_by_user_id=actor.user_id,
                chain_id=chain_id,
            )
    except asyncpg.UniqueViolationError as exc:
        raise Conflict("Someone already signs in with this login.", field="login") from exc
    await record(
        conn, actor, "create", "user", user.id, cooperative_id=user.cooperative_id, after=user
    )
    return NewUser(user=user, one_time_password=one_time)


async def visible_user(conn: asyncpg.Connection, actor: Principal, user_id: int) -> User:
    """A user the actor may see; another organisation's user is "not found", not "forbidden"."""
    _require(actor, "authority", "cooperative", "retailer")
    user = await people.get_user(conn, user_id)
    if not in_organisation(actor, user.cooperative_id, user.chain_id):
        raise NotFound(f"No user {user_id}.")
    return user


async def list_users(
    conn: asyncpg.Connection, actor: Principal, before_id: int | None, limit: int
) -> list[User]:
    _require(actor, "authority", "cooperative", "retailer")
    return await people.list_users(
        conn, actor.visible_cooperative(), before_id, limit, chain_id=actor.visible_chain()
    )


async def reset_password(conn: asyncpg.Connection, actor: Principal, user_id: int) -> NewUser:
    """The authority gives a person a new one-time password (and clears their second factor);
    their sessions end."""
    _require(actor, "authority")
    before = await visible_user(conn, actor, user_id)
    if before.id == actor.user_id:
        raise Forbidden("Change your own password on your account page.")
    one_time = passwords.one_time_password()
    await people.set_password(
        conn, user_id, await passwords.hash_password(one_time), temporary=True
    )
    # A reset is for someone locked out, often with their phone lost too: the second factor
    # goes with the password, and an authority account enrols a new one at its next sign-in.
    await people.set_totp(conn, user_id, None, None)
    await people.replace_recovery_codes(conn, user_id, [])
    await people.revoke_user_sessions(conn, user_id)
    user = await people.get_user(conn, user_id)
    await record(conn, actor, "reset_password", "user", user_id, cooperative_id=user.cooperative_id)
    return NewUser(user=user, one_time_password=one_time)


async def set_user_disabled(
    conn: asyncpg.Connection, actor: Principal, user_id: int, disabled: bool
) -> User:
    """Disabling ends every session of that person at once (checked on every request)."""
    before = await visible_user(conn, actor, user_id)
    if before.id == actor.user_id:
        raise Forbidden("You cannot disable your own account.")
    if before.role == "authority" and not actor.is_authority:
        raise NotFound(f"No user {user_id}.")
    after = await people.set_disabled(conn, user_id, disabled)
    if disabled:
        await people.revoke_user_sessions(conn, user_id)
    await record(
        conn,
        actor,
        "disable" if disabled else "enable",
        "user",
        user_id,
        cooperative_id=after.cooperative_id,
        before=before,
        after=after,
    )
    return after


async def update_profile(
    conn: asyncpg.Connection, actor: Principal, user: User, data: ProfileUpdate
) -> User:
    after = await people.set_profile(conn, user.id, data.display_name, data.language)
    await record(
        conn,
        actor,
        "update",
        "user",
        user.id,
        cooperative_id=user.cooperative_id,
        before=user,
        after=after,
    )
    return after


def check_new_password(user: User, data: PasswordChange) -> None:
    if data.new_password != data.confirm_password:
        raise InvalidInput("The two new passwords are not the same.", field="confirm_password")
    if len(data.new_password) < passwords.MIN_LENGTH:
        raise InvalidInput(
            "Use at least 10 characters; a short sentence is easy to remember.",
            field="new_password",
        )
    if data.new_password.strip().lower() in {user.login, user.display_name.lower()}:
        raise InvalidInput(
            "The password must not be your login or your name.", field="new_password"
        )


async def change_password(conn: asyncpg.Connection, session: Session, data: PasswordChange) -> User:
    """A person changes their own password; their other sessions end.

    Right after signing in with a one-time password the current one is not asked again.
    """
    user = session.user
    if session.stage != "change_password":
        creds = await people.credentials_by_id(conn, user.id)
        if data.current_password is None or not await passwords.password_matches(
            creds.password_hash, data.current_password
        ):
            raise InvalidInput("This is not your current password.", field="current_password")
    check_new_password(user, data)
    after = await people.set_password(
        conn, user.id, await passwords.hash_password(data.new_password), temporary=False
    )
    await people.revoke_user_sessions(conn, user.id, keep_session_id=session.id)
    await record(
        conn, user.principal, "change_password", "user", user.id, cooperative_id=user.cooperative_id
    )
    return after


# -- signing in ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A new session (its cookie token) at its first stage."""

    token: str
    stage: Stage
    user: User


@dataclass(frozen=True, slots=True)
class Refused:
    """Wrong login or password (never says which)."""


@dataclass(frozen=True, slots=True)
class Throttled:
    minutes: int


def next_stage(user: User) -> Stage:
    """What a session must do before it opens the portal."""
    if user.password_is_temporary:
        return "change_password"
    if user.has_second_factor:
        return "verify_totp"
    if user.role == "authority":  # they approve orders and hold the signing keys
        return "enrol_totp"
    return "signed_in"


async def sign_in(
    conn: asyncpg.Connection,
    settings: Settings,
    *,
    login: str,
    password: str,
    network: str | None,
    user_agent: str | None,
    now: datetime,
) -> SignedIn | Refused | Throttled:
    """Check a password and open a new session (a new id, whatever the browser sent).

    Returns rather than raises, so the failure it records is committed with the request.
    """
    normal = normalise_login(login)
    try:
        await throttle.check(conn, settings, normal, network, now)
    except throttle.SignInThrottled as exc:
        return Throttled(exc.minutes)
    creds = await people.credentials_by_login(conn, normal)
    matches = await passwords.password_matches(creds.password_hash if creds else None, password)
    if creds is None or not matches or creds.disabled_at is not None:
        await throttle.record_failure(conn, settings, normal, network)
        return Refused()
    await throttle.clear(conn, normal)
    if passwords.needs_rehash(creds.password_hash):
        await conn.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            creds.id,
            await passwords.hash_password(password),
        )
    user = await people.get_user(conn, creds.id)
    stage = next_stage(user)
    token, digest = people.new_session_token()
    await people.insert_session(
        conn,
        digest,
        user.id,
        stage,
        timedelta(hours=settings.session_absolute_hours),
        user_agent,
    )
    await record(
        conn, user.principal, "sign_in", "user", user.id, cooperative_id=user.cooperative_id
    )
    return SignedIn(token, stage, user)


async def advance(conn: asyncpg.Connection, session: Session, stage: Stage) -> str:
    """Move a session to its next stage under a new token; returns the new cookie value."""
    token, digest = people.new_session_token()
    await people.advance_session(conn, session.id, digest, stage)
    return token


async def enrol_second_factor(
    conn: asyncpg.Connection, session: Session, secret: str, code: str, now: datetime
) -> list[str]:
    """Keep the secret once the person proved their app has it; returns fresh recovery codes."""
    if len(secret) != 32 or not secret.isascii() or not secret.isalnum():
        raise InvalidInput("The set-up expired; scan the new QR code.", field="code")
    step = totp.matching_step(secret.upper(), code, now, None)
    if step is None:
        raise InvalidInput(
            "This code is not right. Type the 6 digits your app shows now.", field="code"
        )
    user = session.user
    await people.set_totp(conn, user.id, secret.upper(), step)
    codes = totp.new_recovery_codes()
    await people.replace_recovery_codes(conn, user.id, [totp.recovery_hash(c) for c in codes])
    await record(
        conn,
        user.principal,
        "enrol_second_factor",
        "user",
        user.id,
        cooperative_id=user.cooperative_id,
    )
    return codes


async def new_recovery_codes(conn: asyncpg.Connection, user: User) -> list[str]:
    codes = totp.new_recovery_codes()
    await people.replace_recovery_codes(conn, user.id, [totp.recovery_hash(c) for c in codes])
    await record(
        conn,
        user.principal,
        "new_recovery_codes",
        "user",
        user.id,
        cooperative_id=user.cooperative_id,
    )
    return codes


async def verify_second_factor(
    conn: asyncpg.Connection,
    settings: Settings,
    session: Session,
    code: str,
    network: str | None,
    now: datetime,
) -> bool | Throttled:
    """A 6-digit code from the app, or one of the recovery codes (each good once).

    Failures count against the account like wrong passwords. Returns rather than raises,
    so the failure it records is committed.
    """
    user = session.user
    try:
        await throttle.check(conn, settings, user.login, network, now)
    except throttle.SignInThrottled as exc:
        return Throttled(exc.minutes)
    creds = await people.credentials_by_id(conn, user.id)
    ok = False
    if creds.totp_secret is not None:
        step = totp.matching_step(creds.totp_secret, code, now, creds.totp_last_step)
        ok = step is not None and await people.use_totp_step(conn, user.id, step)
    if not ok and len(code.strip()) >= 10:
        ok = await people.use_recovery_code(conn, user.id, totp.recovery_hash(code))
        if ok:
            await record(
                conn,
                user.principal,
                "use_recovery_code",
                "user",
                user.id,
                cooperative_id=user.cooperative_id,
            )
    if not ok:
        await throttle.record_failure(conn, settings, user.login, network)
        return False
    await throttle.clear(conn, user.login)
    return True


async def sign_out(conn: asyncpg.Connection, session: Session, *, everywhere: bool) -> None:
    user = session.user
    if everywhere:
        await people.revoke_user_sessions(conn, user.id)
    else:
        await people.revoke_session(conn, session.id)
    await record(
        conn,
        user.principal,
        "sign_out_everywhere" if everywhere else "sign_out",
        "user",
        user.id,
        cooperative_id=user.cooperative_id,
    )
