"""API keys for the person's own organisation: the same service as ``/api/v1/api-keys``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post

from traceability.accounts import service
from traceability.accounts.schemas import ApiKeyCreate, KeyName
from traceability.deps import Conn
from traceability.inputs import PathId
from traceability.portal.forms import Form, read_form
from traceability.portal.web import SignedIn, is_htmx, redirect, render

LIST_LIMIT = 200


class KeyFields(msgspec.Struct, frozen=True):
    """What the person types; role and organisation are theirs, not a choice."""

    name: KeyName


async def _keys_page(
    conn: Conn, person: SignedIn, form: Form[Any], status: int = 200, **extra: Any
) -> Any:
    keys = await service.list_api_keys(conn, person.principal, 0, LIST_LIMIT)
    keys.sort(key=lambda k: (k.revoked_at is not None, -k.id))
    return render(person, "api_keys/list.html", form=form, keys=keys, status=status, **extra)


@get("/api-keys", summary="My organisation's API keys")
async def keys_page(conn: Conn, person: SignedIn) -> Any:
    return await _keys_page(conn, person, Form(person.t))


@post("/api-keys", summary="Create an API key")
async def create_key(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    me = person.principal
    form = await read_form(request, KeyFields, person.t)
    new = await form.run(
        conn,
        lambda data: service.create_api_key(
            conn,
            me,
            ApiKeyCreate(
                name=data.name,
                role=me.role,
                cooperative_id=me.cooperative_id,
                chain_id=me.chain_id,
            ),
        ),
    )
    if new is None:
        return await _keys_page(conn, person, form, status=422)
    # The secret is shown on this one answer and never again (only its hash is kept).
    return await _keys_page(conn, person, Form(person.t), status=201, new_key=new)


@post("/api-keys/{key_id:int}/revoke", summary="Revoke an API key")
async def revoke_key(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, key_id: PathId
) -> Any:
    key = await service.revoke_api_key(conn, person.principal, key_id)
    if is_htmx(request):
        return render(person, "api_keys/_row.html", key=key)
    return redirect(person, "/portal/api-keys", notice="key_revoked")


HANDLERS = [keys_page, create_key, revoke_key]
