"""Signing in and out: password, a new password after a one-time one, the second factor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery

from traceability import clock
from traceability.accounts import service, totp
from traceability.accounts.schemas import PasswordChange
from traceability.accounts.users import Session
from traceability.deps import Conn
from traceability.portal.forms import FORM_ERROR, Form, read_form
from traceability.portal.i18n import N_, Text
from traceability.portal.web import (
    PENDING,
    STAGE_PAGES,
    AnyViewer,
    SignedIn,
    Viewer,
    redirect,
    render,
    safe_next,
)

WRONG_LOGIN = N_("The login or the password is not right.")
THROTTLED = N_(
    "Too many failed attempts. For your safety, wait %(minutes)s minutes and try again, "
    "or ask the provincial office to reset your password."
)
WRONG_CODE = N_("This code is not right. Type the 6 digits your app shows now, or a recovery code.")


class SignInFields(msgspec.Struct, frozen=True):
    login: Annotated[str, msgspec.Meta(max_length=300)]
    password: Annotated[str, msgspec.Meta(max_length=200)]
    next: str | None = None


class CodeFields(msgspec.Struct, frozen=True):
    code: Annotated[str, msgspec.Meta(max_length=40)]


class EnrolFields(msgspec.Struct, frozen=True):
    secret: Annotated[str, msgspec.Meta(max_length=64)]
    code: Annotated[str, msgspec.Meta(max_length=40)]


def _now() -> datetime:
    return clock.now()


@get("/login", summary="Sign-in form")
async def login_page(viewer: AnyViewer, next: FromQuery[str | None] = None) -> Any:
    if viewer.user is not None:
        return redirect(viewer, safe_next(next))
    form: Form[SignInFields] = Form(viewer.t, {"next": safe_next(next)})
    return render(viewer, "auth/login.html", form=form)


@post("/login", summary="Sign in")
async def login(request: Request[Any, Any, Any], conn: Conn, viewer: AnyViewer) -> Any:
    form = await read_form(request, SignInFields, viewer.t)
    if not form.ok:
        return render(viewer, "auth/login.html", form=form, status=422)
    data = form.data
    outcome = await service.sign_in(
        conn,
        viewer.settings,
        login=data.login,
        password=data.password,
        network=viewer.network,
        user_agent=viewer.user_agent,
        now=_now(),
    )
    if isinstance(outcome, service.Throttled):
        form.fail(FORM_ERROR, Text(THROTTLED, minutes=outcome.minutes))
        return render(viewer, "auth/login.html", form=form, status=429)
    if isinstance(outcome, service.Refused):
        form.fail(FORM_ERROR, Text(WRONG_LOGIN))
        return render(viewer, "auth/login.html", form=form, status=422)
    if viewer.session is not None:
        # Signing in again from this browser: the session it had ends, not left behind.
        await service.sign_out(conn, viewer.session, everywhere=False)
    viewer.signed_in_as(outcome.token)
    if outcome.stage == "signed_in":
        return redirect(viewer, safe_next(data.next))
    return redirect(viewer, STAGE_PAGES[outcome.stage])


@post("/logout", summary="Sign out")
async def logout(conn: Conn, viewer: AnyViewer) -> Response[Any]:
    if viewer.session is not None:
        await service.sign_out(conn, viewer.session, everywhere=False)
    viewer.signed_out()
    return redirect(viewer, "/portal/login", notice="signed_out")


@post("/logout-everywhere", summary="Sign out on every device")
async def logout_everywhere(conn: Conn, person: SignedIn) -> Response[Any]:
    await service.sign_out(conn, person.live_session, everywhere=True)
    person.signed_out()
    return redirect(person, "/portal/login", notice="signed_out_everywhere")


# -- a new password -------------------------------------------------------------------------


@get("/password", summary="Change password form", dependencies=PENDING)
async def password_page(viewer: AnyViewer) -> Any:
    if viewer.session is None or viewer.session.stage not in ("change_password", "signed_in"):
        return redirect(viewer, _stage_page(viewer))
    return render(viewer, "auth/password.html", form=Form(viewer.t))


@post("/password", summary="Change password", dependencies=PENDING)
async def change_password(request: Request[Any, Any, Any], conn: Conn, viewer: AnyViewer) -> Any:
    session = viewer.session
    if session is None or session.stage not in ("change_password", "signed_in"):
        return redirect(viewer, _stage_page(viewer))
    form = await read_form(request, PasswordChange, viewer.t)
    user = await form.run(conn, lambda data: service.change_password(conn, session, data))
    if user is None:
        return render(viewer, "auth/password.html", form=form, status=422)
    stage = "signed_in" if session.stage == "signed_in" else service.next_stage(user)
    viewer.signed_in_as(await service.advance(conn, session, stage))
    if session.stage == "signed_in":
        return redirect(viewer, "/portal/account", notice="password_changed")
    return redirect(viewer, STAGE_PAGES[stage], notice="password_changed")


# -- the second factor ----------------------------------------------------------------------


@get("/second-factor/setup", summary="Set up an authenticator app", dependencies=PENDING)
async def enrol_page(viewer: AnyViewer) -> Any:
    if viewer.session is None or viewer.session.stage != "enrol_totp":
        return redirect(viewer, _stage_page(viewer))
    secret = totp.new_secret()
    return _enrol_form(viewer, Form(viewer.t, {"secret": secret}), secret)


def _enrol_form(viewer: Viewer, form: Form[Any], secret: str, status: int = 200) -> Any:
    assert viewer.session is not None
    uri = totp.provisioning_uri(secret, viewer.session.user.login)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(
        viewer, "auth/enrol.html", form=form, qr=totp.qr_svg(uri), secret=grouped, status=status
    )


@post("/second-factor/setup", summary="Confirm the authenticator app", dependencies=PENDING)
async def enrol(request: Request[Any, Any, Any], conn: Conn, viewer: AnyViewer) -> Any:
    session = viewer.session
    if session is None or session.stage != "enrol_totp":
        return redirect(viewer, _stage_page(viewer))
    form = await read_form(request, EnrolFields, viewer.t)
    secret = form.values.get("secret", "").replace(" ", "")
    codes = await form.run(
        conn,
        lambda data: service.enrol_second_factor(conn, session, secret, data.code, _now()),
    )
    if codes is None:
        return _enrol_form(viewer, form, secret if len(secret) == 32 else totp.new_secret(), 422)
    viewer.signed_in_as(await service.advance(conn, session, "signed_in"))
    return render(viewer, "auth/recovery_codes.html", codes=codes, first_time=True)


@get("/second-factor", summary="Second-factor form", dependencies=PENDING)
async def verify_page(viewer: AnyViewer) -> Any:
    if viewer.session is None or viewer.session.stage != "verify_totp":
        return redirect(viewer, _stage_page(viewer))
    return render(viewer, "auth/second_factor.html", form=Form(viewer.t))


@post("/second-factor", summary="Give the second factor", dependencies=PENDING)
async def verify(request: Request[Any, Any, Any], conn: Conn, viewer: AnyViewer) -> Any:
    session = viewer.session
    if session is None or session.stage != "verify_totp":
        return redirect(viewer, _stage_page(viewer))
    form = await read_form(request, CodeFields, viewer.t)
    refused = await second_factor(conn, viewer, session, form, "code")
    if refused:
        return render(viewer, "auth/second_factor.html", form=form, status=refused)
    viewer.signed_in_as(await service.advance(conn, session, "signed_in"))
    return redirect(viewer, "/portal/")


async def second_factor(
    conn: Conn, viewer: Viewer, session: Session, form: Form[Any], field: str
) -> int | None:
    """Check the code typed in ``form``'s ``field`` (each code good once, failures throttled
    like wrong passwords): None when it is right, else the status of the page that says
    why beside the field. Signing in asks it, and so does every change that must not rest
    on a session alone (the signing keys)."""
    if not form.ok:
        return 422
    outcome = await service.verify_second_factor(
        conn, viewer.settings, session, getattr(form.data, field), viewer.network, _now()
    )
    if isinstance(outcome, service.Throttled):
        form.fail(FORM_ERROR, Text(THROTTLED, minutes=outcome.minutes))
        return 429
    if not outcome:
        form.fail(field, Text(WRONG_CODE))
        return 422
    return None


def _stage_page(viewer: AnyViewer) -> str:
    return STAGE_PAGES[viewer.session.stage] if viewer.session else "/portal/login"


HANDLERS = [
    login_page,
    login,
    logout,
    logout_everywhere,
    password_page,
    change_password,
    enrol_page,
    enrol,
    verify_page,
    verify,
]
