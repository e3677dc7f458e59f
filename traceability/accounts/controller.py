"""API keys and people over HTTP. Who may call a route is its guard; the rules of what they
may do live in ``service.py``, which the portal's pages call too.

Every organisation (the authority, a cooperative, a supermarket chain) manages its own
people and keys: another organisation's are "not found"."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import JSONBody

from traceability.accounts import service
from traceability.accounts.guards import AUTHENTICATED, AUTHORITY
from traceability.accounts.repository import ApiKey, NewApiKey, Principal
from traceability.accounts.schemas import ApiKeyCreate, NewUser, UserCreate
from traceability.accounts.users import User
from traceability.deps import Caller, Conn
from traceability.inputs import PathId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_id,
    page_of,
)


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["accounts"]
    guards = [AUTHENTICATED]

    @post("/", summary="Create an API key (the secret is shown only in this answer)")
    async def create_api_key(
        self, conn: Conn, principal: Caller, data: JSONBody[ApiKeyCreate]
    ) -> NewApiKey:
        return await service.create_api_key(conn, principal, data)

    @get("/", summary="List API keys of one's organisation (never their secrets)")
    async def list_api_keys(
        self,
        conn: Conn,
        principal: Caller,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ApiKey]:
        found = await service.list_api_keys(conn, principal, after_id(cursor) or 0, limit)
        return page_of(found, limit, lambda key: key.id)

    @get("/me", summary="The key making this request")
    async def whoami(self, principal: Caller) -> Principal:
        return principal

    @delete("/{key_id:int}", status_code=200, summary="Revoke an API key")
    async def revoke_api_key(self, conn: Conn, principal: Caller, key_id: PathId) -> ApiKey:
        return await service.revoke_api_key(conn, principal, key_id)


class UserController(Controller):
    """People's portal accounts: the same calls as the portal's user pages."""

    path = "/api/v1/users"
    tags = ["accounts"]
    guards = [AUTHENTICATED]

    @post("/", summary="Create a portal user (the one-time password is shown only here)")
    async def create_user(
        self, conn: Conn, principal: Caller, data: JSONBody[UserCreate]
    ) -> NewUser:
        return await service.create_user(conn, principal, data)

    @get("/", summary="List portal users, newest first")
    async def list_users(
        self,
        conn: Conn,
        principal: Caller,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[User]:
        found = await service.list_users(conn, principal, after_id(cursor), limit)
        return page_of(found, limit, lambda user: user.id)

    @get("/{user_id:int}", summary="A portal user")
    async def get_user(self, conn: Conn, principal: Caller, user_id: PathId) -> User:
        return await service.visible_user(conn, principal, user_id)

    @post(
        "/{user_id:int}/password-reset",
        guards=[AUTHORITY],
        status_code=200,
        summary="Give a user a new one-time password (authority; their sessions end)",
    )
    async def reset_password(self, conn: Conn, principal: Caller, user_id: PathId) -> NewUser:
        return await service.reset_password(conn, principal, user_id)

    @post("/{user_id:int}/disable", status_code=200, summary="Disable a user (sessions end)")
    async def disable_user(self, conn: Conn, principal: Caller, user_id: PathId) -> User:
        return await service.set_user_disabled(conn, principal, user_id, True)

    @post("/{user_id:int}/enable", status_code=200, summary="Enable a disabled user")
    async def enable_user(self, conn: Conn, principal: Caller, user_id: PathId) -> User:
        return await service.set_user_disabled(conn, principal, user_id, False)
