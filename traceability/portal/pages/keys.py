"""The signing keys (``/portal/keys``): each key's status, the orders and stamps it signed
and its time in use; a rotation, and retiring or revoking a key, ask for the second factor
again, so a session left open or stolen cannot change what stamps are signed with.

The same service as ``traceability admin keys`` (``signing_keys.service``): a rotation adds
a pending key, published at once; "let it sign" is refused until every running worker
holds it (the page says which do not).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, Literal, TypeVar

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath

from traceability.deps import Conn
from traceability.errors import Conflict
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import N_
from traceability.portal.pages.auth import second_factor
from traceability.portal.web import OFFICIAL, Official, redirect, render
from traceability.signing_keys import service

STATUSES: Final = {
    "active": N_("Signs new stamps"),
    "pending": N_("Published, not signing yet"),
    "retired": N_("Retired: verifies its stamps, signs no new ones"),
    "revoked": N_("Revoked: its stamps fail as forged"),
}
CHANGES: Final = {
    "retire": N_("Retire (its stamps still verify)"),
    "revoke": N_("Revoke (it leaked: its stamps fail)"),
}
Code = Annotated[str, msgspec.Meta(max_length=40)]
T = TypeVar("T", bound=msgspec.Struct)


class RotateFields(msgspec.Struct, frozen=True):
    code: Code


class ChangeFields(msgspec.Struct, frozen=True):
    kid: Annotated[str, msgspec.Meta(max_length=8)]
    change: Literal["retire", "revoke"]
    change_code: Code


async def _page(
    conn: Conn,
    official: Official,
    rotate: Form[Any] | None = None,
    change: Form[Any] | None = None,
    activation: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    keys = await service.signing_keys(conn, official.principal, official.settings)
    return render(
        official,
        "keys/list.html",
        keys=keys,
        spread=await service.spread(conn, official.settings),
        statuses=STATUSES,
        changeable=[
            (k.kid, f"{k.kid} · {official.t(STATUSES[k.status])}")
            for k in keys
            if k.status != "revoked"
        ],
        changes=list(CHANGES.items()),
        rotate=rotate or Form[Any](official.t),
        change=change or Form[Any](official.t),
        activation=activation or Form[Any](official.t),
        status=status,
    )


@get("/keys", summary="The stamp signing keys", dependencies=OFFICIAL)
async def keys_page(conn: Conn, official: Official) -> Any:
    return await _page(conn, official)


async def _second_factor_then(
    request: Request[Any, Any, Any],
    conn: Conn,
    official: Official,
    fields: type[T],
    code_field: str,
    slot: str,
    action: Callable[[T], Awaitable[object]],
) -> Form[T] | Any:
    """Read ``fields``, check the code in ``code_field``, then run ``action``: the form when
    done, else the keys page with the problem beside ``slot``'s form."""
    form = await read_form(request, fields, official.t)
    refused = await second_factor(conn, official, official.live_session, form, code_field)
    if not refused:
        await form.run(conn, action)
        refused = 409 if form.errors else None
    if refused:
        return await _page(conn, official, status=refused, **{slot: form})
    return form


@post(
    "/keys/rotate", summary="Add a new signing key (asks the second factor)", dependencies=OFFICIAL
)
async def rotate(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    done = await _second_factor_then(
        request,
        conn,
        official,
        RotateFields,
        "code",
        "rotate",
        lambda _: service.add_pending(conn, official.principal, official.settings),
    )
    if not isinstance(done, Form):
        return done
    return redirect(official, "/portal/keys", notice="signing_key_pending")


@post("/keys/{kid:str}/activate", summary="Let a pending key sign", dependencies=OFFICIAL)
async def activate(conn: Conn, official: Official, kid: FromPath[str]) -> Any:
    # No second code: this finishes a rotation that asked for one, and changes nothing
    # a stamp carries (the key was published when it was added).
    form = Form[Any](official.t)
    try:
        async with conn.transaction():
            await service.activate(conn, official.principal, official.settings, kid)
    except Conflict as exc:  # a worker does not hold it yet, or it is not pending
        form.fail_with(exc)
        return await _page(conn, official, activation=form, status=409)
    return redirect(official, "/portal/keys", notice="signing_key_active")


@post(
    "/keys/change", summary="Retire or revoke a key (asks the second factor)", dependencies=OFFICIAL
)
async def change(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    async def act(data: ChangeFields) -> None:
        changer = service.retire if data.change == "retire" else service.revoke
        await changer(conn, official.principal, official.settings, data.kid)

    done = await _second_factor_then(
        request, conn, official, ChangeFields, "change_code", "change", act
    )
    if not isinstance(done, Form):
        return done
    return redirect(official, "/portal/keys", notice=f"signing_key_{done.data.change}d")


HANDLERS = [keys_page, rotate, activate, change]
