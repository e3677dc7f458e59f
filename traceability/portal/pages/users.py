"""People of the organisation: invite, reset a password (authority), disable, enable.

The same service functions as ``/api/v1/users``: the rules (a cooperative invites only its
own colleagues, another organisation's user is "not found") hold in both.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post

from traceability.accounts import repository as keys
from traceability.accounts import service
from traceability.accounts.repository import Role
from traceability.accounts.schemas import DisplayName, Language, Login, UserCreate
from traceability.deps import Conn
from traceability.inputs import PathId
from traceability.portal.forms import Form, read_form
from traceability.portal.web import SignedIn, is_htmx, redirect, render

LIST_LIMIT = 500


class InviteFields(msgspec.Struct, frozen=True):
    """What a cooperative's user fills in: the colleague joins their own cooperative."""

    login: Login
    display_name: DisplayName
    language: Language = "vi"


async def _cooperatives(conn: Conn, person: SignedIn) -> list[tuple[int, str]]:
    """The authority chooses among all cooperatives; a cooperative's user sees its own."""
    me = person.principal
    if me.cooperative_id is not None:
        return [
            (me.cooperative_id, await conn.fetchval(keys.Q["cooperative_name"], me.cooperative_id))
        ]
    if not me.is_authority:
        return []
    return [(r["id"], r["name"]) for r in await conn.fetch(keys.Q["cooperative_choices"])]


async def _users_page(
    conn: Conn, person: SignedIn, form: Form[Any], status: int = 200, **extra: Any
) -> Any:
    people = await service.list_users(conn, person.principal, None, LIST_LIMIT)
    cooperatives = await _cooperatives(conn, person)
    return render(
        person,
        "users/list.html",
        form=form,
        people=people,
        cooperatives=cooperatives,
        cooperative_names=dict(cooperatives),
        status=status,
        **extra,
    )


@get("/users", summary="People of my organisation")
async def users_page(conn: Conn, person: SignedIn) -> Any:
    form: Form[Any] = Form(person.t, {"role": "cooperative", "language": "vi"})
    return await _users_page(conn, person, form)


@post("/users", summary="Create an account (one-time password shown once)")
async def create_user(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    me = person.principal
    if me.is_authority:
        form: Form[Any] = await read_form(request, UserCreate, person.t)
        action = lambda data: service.create_user(conn, me, data)  # noqa: E731
    else:
        form = await read_form(request, InviteFields, person.t)
        role: Role = me.role  # a cooperative's or a chain's colleague

        def action(data: InviteFields) -> Any:
            return service.create_user(
                conn,
                me,
                UserCreate(
                    login=data.login,
                    display_name=data.display_name,
                    role=role,
                    cooperative_id=me.cooperative_id,
                    chain_id=me.chain_id,
                    language=data.language,
                ),
            )

    new = await form.run(conn, action)
    if new is None:
        return await _users_page(conn, person, form, status=422)
    blank: Form[Any] = Form(person.t, {"role": "cooperative", "language": "vi"})
    return await _users_page(conn, person, blank, status=201, issued=new)


@post("/users/{user_id:int}/reset-password", summary="Give a new one-time password")
async def reset_password(conn: Conn, person: SignedIn, user_id: PathId) -> Any:
    new = await service.reset_password(conn, person.principal, user_id)
    blank: Form[Any] = Form(person.t, {"role": "cooperative", "language": "vi"})
    return await _users_page(conn, person, blank, issued=new, reset=True)


@post("/users/{user_id:int}/disable", summary="Disable an account (its sessions end)")
async def disable_user(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, user_id: PathId
) -> Any:
    return await _set_disabled(request, conn, person, user_id, True)


@post("/users/{user_id:int}/enable", summary="Enable an account")
async def enable_user(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, user_id: PathId
) -> Any:
    return await _set_disabled(request, conn, person, user_id, False)


async def _set_disabled(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, user_id: int, disabled: bool
) -> Any:
    user = await service.set_user_disabled(conn, person.principal, user_id, disabled)
    if is_htmx(request):
        cooperatives = dict(await _cooperatives(conn, person))
        return render(person, "users/_row.html", person_row=user, cooperative_names=cooperatives)
    return redirect(person, "/portal/users", notice="disabled" if disabled else "enabled")


HANDLERS = [users_page, create_user, reset_password, disable_user, enable_user]
