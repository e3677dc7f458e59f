"""OPTIONS on resolver paths, answered ahead of the app's CORS layer.

GS1-Conformant Resolver 1.2 asks for CORS on every resolver URI and for GET, HEAD and
OPTIONS; GS1's own test suite sends ``Access-Control-Request-Method: GET,HEAD,OPTIONS``
(a list), which the app-wide CORS layer refuses as a "disallowed method". Resolver answers
are public and read-only, so any origin may read them: a preflight or a plain OPTIONS on a
resolver path gets 204 with what a browser needs, and the ``Link`` to the item's linkset.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType

from traceability.resolver.controller import RESOLVER_METHODS, linkset_link_header
from traceability.resolver.digital_link import BadDigitalLink, parse

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

_PREFIXES = ("/01/", "/.well-known/gs1resolver")


def _headers(app: Litestar, scope: Scope) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"allow", RESOLVER_METHODS.encode()),
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", RESOLVER_METHODS.encode()),
        (b"access-control-allow-headers", b"Accept, Accept-Language"),
        (b"access-control-expose-headers", b"Link"),
        (b"access-control-max-age", b"86400"),
        (b"content-length", b"0"),
    ]
    raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    if raw.startswith("/01/"):
        try:
            link = parse(raw)
        except BadDigitalLink:
            return headers
        base = app.state.settings.public_url.rstrip("/")
        headers.append((b"link", linkset_link_header(base, link).encode()))
    return headers


class ResolverPreflight:
    """The outer layer that answers OPTIONS on resolver paths before the app's CORS layer."""

    def __init__(self, app: ASGIApp, litestar: Litestar) -> None:
        self.app = app
        self.litestar = litestar

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == ScopeType.HTTP
            and scope["method"] == "OPTIONS"
            and scope["path"].startswith(_PREFIXES)
            and self.litestar.state.get("settings") is not None
        ):
            headers = _headers(self.litestar, scope)
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await self.app(scope, receive, send)
