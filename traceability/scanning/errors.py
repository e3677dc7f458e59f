"""Errors on consumer pages, as pages: a phone that scanned a stamp never reads JSON.

``errors.handle_error`` (the one error handler) asks the error pages kept in the app's
state; :class:`ConsumerErrorPages` answers for browsers on the scan and product pages.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import Accept
from litestar.exceptions import HTTPException

from traceability.scanning.page import message_page
from traceability.scanning.text import language

CONSUMER_PATHS = ("/s/", "/S/", "/p/")
_KINDS = {400: "bad_link", 404: "not_found", 429: "busy", 503: "busy"}
_RETRY_AFTER = {429: "60", 503: "5"}
"""As the problem details say them (``errors.problem``)."""


def wants_html(accept: str | None) -> bool:
    """A browser asks for text/html by name; API clients send JSON types or */*."""
    if not accept or "text/html" not in accept:
        return False
    return Accept(accept).best_match(["application/json", "text/html"]) == "text/html"


class ConsumerErrorPages:
    """What ``errors.handle_error`` renders for a browser on a consumer page."""

    @staticmethod
    def applies(request: Request[Any, Any, Any]) -> bool:
        path = request.scope.get("path", "")
        return path.startswith(CONSUMER_PATHS) and wants_html(request.headers.get("accept"))

    @staticmethod
    def render(request: Request[Any, Any, Any], exc: Exception, status: int) -> Response[Any]:
        lang = language(request.query_params.get("lang"), request.headers.get("accept-language"))
        settings = request.app.state.get("settings")
        page = message_page(
            _KINDS.get(status, "error"),
            lang=lang,
            authority_phone=settings.authority_phone if settings is not None else "",
            banner="warn" if status < 500 else "bad",
        )
        headers = {"Cache-Control": "no-store", "Content-Language": lang}
        if status in _RETRY_AFTER:
            headers["Retry-After"] = _RETRY_AFTER[status]
        if isinstance(exc, HTTPException) and exc.headers:
            headers.update(exc.headers)  # a 405 says what is Allowed
        return Response(page, status_code=status, media_type="text/html", headers=headers)
