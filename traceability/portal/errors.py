"""Errors on pages: a page in the reader's language instead of problem details.

``errors.handle_error`` asks this module for a page whenever the request was for a page
(anything under ``/portal``, or a route with ``opt={"page": True}``). It never touches the
database, so it also works when the database is the problem.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Template

from traceability.errors import TraceabilityError
from traceability.portal import i18n
from traceability.portal.i18n import N_
from traceability.portal.web import (
    CSRF_COOKIE,
    LANG_COOKIE,
    PAGE_HEADERS,
    SESSION_COOKIE,
    SignInRequired,
    csrf_token,
    login_url,
    redirect,
)

TITLES: Final[dict[int, str]] = {
    400: N_("This request could not be understood"),
    403: N_("You may not do this"),
    404: N_("This page does not exist"),
    405: N_("This page does not exist"),
    413: N_("This file is too large"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong on our side"),
    503: N_("The service is busy; try again in a moment"),
}
ADVICE: Final[dict[int, str]] = {
    400: N_("Go back, check what you typed and try again."),
    403: N_(
        "If you came here from a form, it may have been open too long: go back, reload the "
        "page and send it again."
    ),
    404: N_("It may have been removed, or it belongs to another organisation."),
    405: N_("It may have been removed, or it belongs to another organisation."),
    413: N_("Send a smaller file (a phone photo is fine)."),
    429: N_("Wait a few minutes, then try again."),
    500: N_("It has been recorded. Try again in a moment; if it keeps happening, call us."),
    503: N_("It has been recorded. Try again in a moment; if it keeps happening, call us."),
}


class ErrorPages:
    """What ``errors.handle_error`` calls for page requests (kept in ``app.state``)."""

    @staticmethod
    def applies(request: Request[Any, Any, Any]) -> bool:
        return is_page(request)

    @staticmethod
    def render(request: Request[Any, Any, Any], exc: Exception, status: int) -> Response[Any]:
        return error_page(request, exc, status)


def is_page(request: Request[Any, Any, Any]) -> bool:
    path = request.scope.get("path", "")
    if path == "/portal" or path.startswith("/portal/"):
        return True
    handler = request.scope.get("route_handler")
    return bool(handler is not None and handler.opt.get("page"))


def error_page(request: Request[Any, Any, Any], exc: Exception, status: int) -> Response[Any]:
    if isinstance(exc, SignInRequired):
        return redirect(None, exc.to if exc.to != "/portal/login" else login_url(exc.next_url))
    viewer = getattr(request.state, "viewer", None)
    lang = (
        viewer.lang
        if viewer is not None
        else i18n.choose(
            request.cookies.get(LANG_COOKIE),
            i18n.from_accept_language(request.headers.get("accept-language")),
        )
    )
    known = status if status in TITLES else (500 if status >= 500 else 400)
    detail = (
        i18n.Text(exc.message, **exc.params)
        if isinstance(exc, TraceabilityError) and status in (409, 422)
        else None
    )
    binding = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE) or ""
    headers = {**PAGE_HEADERS, "Content-Language": lang}
    if isinstance(exc, HTTPException) and exc.headers:
        headers.update(exc.headers)
    return Template(
        template_name="error.html",
        context={
            "t": i18n.translator(lang),
            "lang": lang,
            "viewer": viewer,
            "user": viewer.user if viewer is not None else None,
            "nav": [],
            "notice": None,
            "csrf_token": csrf_token(binding) if binding else "",
            "status": status,
            "title": TITLES[known],
            "advice": ADVICE[known],
            "detail": detail,
        },
        status_code=status,
        headers=headers,
        media_type="text/html",
    )
