"""``GET /s/<code>`` ahead of the router: the scan is the one request that must be cheap.

Routing, the middleware stack, dependency injection and the response machinery cost more
per request than the scan itself (measured: a bare ASGI answer runs ~4× the requests per
second of ``/healthz`` through the app). This outer layer answers plain scans straight from
the ASGI scope with the very same code (:func:`scan_reply`) and the same bytes and headers as
the routed handler; anything it does not recognise goes on to the app unchanged: other
methods and paths, trailing slashes, and requests with an ``Origin`` header (the app's CORS
middleware answers those). Errors become the app's problem responses through its own error
handler.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.enums import ScopeType

from traceability.errors import handle_error
from traceability.scanning.controller import ScanRequest, ScanRuntime, scan_reply, sent_path

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

_SCAN_PATH = re.compile(r"/[sS]/([^/]+)")
_QUERY_KEYS = frozenset(("lang", "lat", "lon"))


def _query(raw: bytes) -> dict[str, str]:
    found: dict[str, str] = {}
    if raw:
        for key, value in parse_qsl(raw.decode("latin-1"), separator="&"):
            if key in _QUERY_KEYS and key not in found:
                found[key] = value
    return found


def _text(headers: dict[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return value.decode("latin-1") if value is not None else None


class ScanFastPath:
    """The outer ASGI layer that answers ``GET /s/<code>`` before the app routes it."""

    def __init__(
        self, app: ASGIApp, litestar: Litestar, runtime_of: Callable[[], ScanRuntime | None]
    ) -> None:
        """``runtime_of`` gives the worker's runtime, or None while it is not running."""
        self.app = app
        self.litestar = litestar
        self.runtime_of = runtime_of
        self.answered = 0
        """Scans this layer answered itself (tests check that scans take this way)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["method"] == "GET":
            match = _SCAN_PATH.fullmatch(scope["path"])
            runtime = self.runtime_of()
            if match is not None and runtime is not None:
                headers: dict[bytes, bytes] = {}
                for name, value in scope["headers"]:
                    headers.setdefault(name, value)
                if b"origin" not in headers:
                    self.answered += 1
                    await self._scan(runtime, scope, receive, send, match.group(1), headers)
                    return
        await self.app(scope, receive, send)

    async def _scan(
        self,
        runtime: ScanRuntime,
        scope: Scope,
        receive: Receive,
        send: Send,
        code: str,
        headers: dict[bytes, bytes],
    ) -> None:
        query = _query(scope["query_string"])
        client = scope.get("client")
        try:
            reply = await scan_reply(
                runtime,
                ScanRequest(
                    code=code,
                    url_path=sent_path(scope),
                    lang=query.get("lang"),
                    lat=query.get("lat"),
                    lon=query.get("lon"),
                    client=client[0] if client else None,
                    user_agent=_text(headers, b"user-agent"),
                    accept=_text(headers, b"accept"),
                    accept_language=_text(headers, b"accept-language"),
                    accept_encoding=_text(headers, b"accept-encoding"),
                    cookie=_text(headers, b"cookie"),
                ),
            )
        except Exception as exc:  # what the app's exception middleware would answer
            # The scope has not been through Litestar yet: give it what a Request needs.
            scope["app"] = scope["litestar_app"] = self.litestar
            scope.setdefault("state", {})
            request: Request[Any, Any, Any] = Request(scope, receive)
            response = handle_error(request, exc)
            await response.to_asgi_response(None, request)(scope, receive, send)
            return
        body = reply.body
        raw_headers = [
            (b"content-type", reply.content_type.encode()),
            (b"content-length", str(len(body)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in reply.headers.items()),
        ]
        await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})
