"""A person's own account: name, language, password, second factor, signed-in devices."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Request, get, post

from traceability.accounts import service
from traceability.accounts import users as people
from traceability.accounts.schemas import ProfileUpdate
from traceability.deps import Conn
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import LANGUAGES
from traceability.portal.web import SignedIn, redirect, render, safe_next


async def _account_page(conn: Conn, person: SignedIn, form: Form[Any], status: int = 200) -> Any:
    me = person.me
    sessions = await people.list_user_sessions(
        conn, me.id, timedelta(minutes=person.settings.session_idle_minutes)
    )
    codes_left = await people.recovery_codes_left(conn, me.id) if me.has_second_factor else 0
    return render(
        person,
        "account/account.html",
        form=form,
        sessions=sessions,
        this_session=person.live_session.id,
        codes_left=codes_left,
        status=status,
    )


@get("/account", summary="My account")
async def account_page(conn: Conn, person: SignedIn) -> Any:
    me = person.me
    form: Form[ProfileUpdate] = Form(
        person.t, {"display_name": me.display_name, "language": me.language}
    )
    return await _account_page(conn, person, form)


@post("/account", summary="Update my name and language")
async def update_account(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    form = await read_form(request, ProfileUpdate, person.t)
    me = person.me
    updated = await form.run(
        conn, lambda data: service.update_profile(conn, person.principal, me, data)
    )
    if updated is None:
        return await _account_page(conn, person, form, status=422)
    return redirect(person, "/portal/account", notice="saved")


@post("/account/recovery-codes", summary="New recovery codes (the old ones stop working)")
async def renew_recovery_codes(conn: Conn, person: SignedIn) -> Any:
    if not person.me.has_second_factor:
        return redirect(person, "/portal/account")
    codes = await service.new_recovery_codes(conn, person.me)
    return render(person, "auth/recovery_codes.html", codes=codes, first_time=False)


@post("/account/language", summary="Switch my language")
async def switch_language(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    posted = await request.form()
    language = posted.get("language")
    me = person.me
    if language in LANGUAGES and language != me.language:
        data = ProfileUpdate(display_name=me.display_name, language=language)
        await service.update_profile(conn, person.principal, me, data)
    next_url = posted.get("next")
    return redirect(person, safe_next(next_url if isinstance(next_url, str) else None))


HANDLERS = [account_page, update_account, renew_recovery_codes, switch_language]
