"""OPTIONS on resolver paths, answered ahead of the app's CORS layer.

GS1-Conformant Resolver 1.2 asks for CORS on every resolver URI and for GET, HEAD and
OPTIONS; GS1's own test suite sends ``Access-Control-Request-Method: GET,HEAD,OPTIONS``
(a list), which the app-wide CORS layer refuses as a "disallowed method". Resolver answers
are public and read-only, so any origin may read them: a preflight or a plain OPTIONS on a
resolver path gets 204 with what a browser needs, and the ``Link`` to the item's linkset.
Resolver paths are the long forms (``/01/…``), the resolver description, and GS1's
compressed forms (``/{bits}``, ``/01/{gtin}/{bits}``): a single segment is one when it
decompresses, the same rule the resolver's GET route follows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.enums import ScopeType

from traceability.resolver.compression import NotCompressed, decompress, long_form
from traceability.resolver.controller import RESOLVER_METHODS, linkset_link_header
from traceability.resolver.digital_link import BadDigitalLink, DigitalLink, parse

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.types import ASGIApp, Receive, Scope, Send

_DESCRIPTION = "/.well-known/gs1resolver"


def _resolver_uri(path: str) -> tuple[bool, DigitalLink | None]:
    """Whether ``path`` (raw) is a resolver URI, and the item it names when it names one."""
    if path.startswith(_DESCRIPTION):
        return True, None
    segments = path.strip("/").split("/")
    if not path.startswith("/01/"):
        if len(segments) != 1:
            return False, None
        try:
            return True, _expanded(decompress(segments[0]))
        except NotCompressed:
            return False, None  # the app's own route, or its 404
    if len(segments) == 3:
        try:
            return True, _expanded([("01", segments[1]), *decompress(segments[2])])
        except NotCompressed:
            pass  # a long form
    try:
        return True, parse(path)
    except BadDigitalLink:
        return True, None  # the GET answers the syntax error; a browser may still ask


def _expanded(pairs: list[tuple[str, str]]) -> DigitalLink | None:
    expanded = long_form(pairs)
    try:
        return parse(expanded[0]) if expanded is not None else None
    except BadDigitalLink:
        return None


def _headers(app: Litestar, link: DigitalLink | None) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"allow", RESOLVER_METHODS.encode()),
        (b"access-control-allow-origin", b"*"),
        (b"access-control-allow-methods", RESOLVER_METHODS.encode()),
        (b"access-control-allow-headers", b"Accept, Accept-Language"),
        (b"access-control-expose-headers", b"Link"),
        (b"access-control-max-age", b"86400"),
        (b"content-length", b"0"),
    ]
    if link is not None:
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
            and self.litestar.state.get("settings") is not None
        ):
            raw = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
            is_resolver_uri, link = _resolver_uri(raw)
            if is_resolver_uri:
                await _answer(self.litestar, link, send)
                return
        await self.app(scope, receive, send)


async def _answer(app: Litestar, link: DigitalLink | None, send: Send) -> None:
    headers = _headers(app, link)
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b"", "more_body": False})
