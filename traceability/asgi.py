"""The service's outer ASGI layers, and the Litestar app that is entered through them.

A layer sees every request before Litestar routes it (it may answer some itself, as the
scan fast path does) and every response on its way out (as the security headers do).
``create_app`` lists the layers, outermost first; nothing else in the framework is touched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeVar

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

Layer = Callable[[ASGIApp, Litestar], ASGIApp]
"""Makes an ASGI app from the app inside it (and the Litestar app, for its state)."""
L = TypeVar("L")


class LayeredApp(Litestar):
    """Litestar, entered through outer ASGI layers (lifespan messages pass through them)."""

    def __init__(self, *, layers: Sequence[Layer], **config: Any) -> None:
        super().__init__(**config)
        entry: ASGIApp = super().__call__
        built: list[ASGIApp] = []
        for layer in reversed(layers):
            entry = layer(entry, self)
            built.append(entry)
        self._entry = entry
        self.layers: tuple[ASGIApp, ...] = tuple(reversed(built))
        """The layers as built, outermost first."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._entry(scope, receive, send)

    def layer(self, kind: type[L]) -> L:
        """The built layer of this type; LookupError if the app has none."""
        for built in self.layers:
            if isinstance(built, kind):
                return built
        raise LookupError(f"no {kind.__name__} layer")


def content_security_policy(style_sources: Sequence[str] = ()) -> str:
    """Only this origin's files; inline styles only by hash; no inline script at all.

    Images may come from any https host (a product's photo is the cooperative's own URL) or
    be data: URLs (the portal's QR code for a second factor).
    """
    styles = " ".join(("'self'", *style_sources))
    return (
        "default-src 'self'; script-src 'self'; "
        f"style-src {styles}; img-src 'self' https: data:; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """Security headers on every HTML response, whichever handler or layer made it.

    A response that sets one of these headers itself keeps its own value (a page may need a
    policy of its own); every other HTML response gets the defaults. Every response, HTML
    or not, gets ``X-Content-Type-Options: nosniff``.
    """

    def __init__(self, app: ASGIApp, policy: str) -> None:
        self.app = app
        self.html_headers: Final = (
            (b"content-security-policy", policy.encode()),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-content-type-options", b"nosniff"),
        )

    @classmethod
    def layer(cls, policy: str) -> Layer:
        return lambda app, _litestar: cls(app, policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = self.secured(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, send_secured)

    def secured(self, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        # ASGI header names are lower-case (Litestar and the fast path send them so).
        present = set()
        html = False
        for name, value in headers:
            present.add(name)
            if name == b"content-type":
                html = value[:9].lower() == b"text/html"
        for name, value in self.html_headers:
            if name not in present and (html or name == b"x-content-type-options"):
                headers.append((name, value))
        return headers
