"""API keys over HTTP. The authority issues keys for any role; a cooperative for itself."""

from __future__ import annotations

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from traceability.accounts import repository as keys
from traceability.accounts.guards import AUTHENTICATED, WRITERS
from traceability.accounts.repository import ApiKey, NewApiKey, Principal
from traceability.accounts.schemas import ApiKeyCreate
from traceability.audit.repository import record
from traceability.deps import Caller, Conn
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    check_limit,
    decode_cursor,
    page_of,
)
from traceability.registry.access import check_key_grant, check_owner


class ApiKeyController(Controller):
    path = "/api/v1/api-keys"
    tags = ["accounts"]
    guards = [AUTHENTICATED]

    @post(
        "/",
        guards=[WRITERS],
        summary="Create an API key (the secret is shown only in this answer)",
    )
    async def create_api_key(
        self, conn: Conn, principal: Caller, data: JSONBody[ApiKeyCreate]
    ) -> NewApiKey:
        check_key_grant(principal, data.role, data.cooperative_id)
        new = await keys.create_key(
            conn,
            name=data.name,
            role=data.role,
            cooperative_id=data.cooperative_id,
            created_by=principal.key_id,
        )
        await record(
            conn,
            principal,
            "create",
            "api_key",
            new.key.id,
            cooperative_id=new.key.cooperative_id,
            after=new.key,
        )
        return new

    @get("/", guards=[WRITERS], summary="List API keys (never their secrets)")
    async def list_api_keys(
        self,
        conn: Conn,
        principal: Caller,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ApiKey]:
        after = decode_cursor(cursor, 1)
        found = await keys.list_keys(
            conn, principal.visible_cooperative(), int(after[0]) if after else 0, check_limit(limit)
        )
        return page_of(found, limit, lambda key: key.id)

    @get("/me", summary="The key making this request")
    async def whoami(self, principal: Caller) -> Principal:
        return principal

    @delete("/{key_id:int}", guards=[WRITERS], status_code=200, summary="Revoke an API key")
    async def revoke_api_key(self, conn: Conn, principal: Caller, key_id: FromPath[int]) -> ApiKey:
        before = await keys.get_key(conn, key_id)
        check_owner(principal, before.cooperative_id, f"No API key {key_id}.")
        after = await keys.revoke_key(conn, key_id)
        await record(
            conn,
            principal,
            "revoke",
            "api_key",
            key_id,
            cooperative_id=after.cooperative_id,
            before=before,
            after=after,
        )
        return after
