"""A deadline on request bodies, as an ASGI layer: a half-sent body cannot hold the service.

Uvicorn waits for a body as long as the client keeps the connection open (it has no body
timeout), and a handler waiting for it holds whatever it took before. Here every
``receive()`` of a request's body shares one deadline from the first byte of the request;
past it the request fails with 408 and the server closes the connection. Once the body is
complete, ``receive()`` is passed through untouched (streamed downloads listen on it for
the client going away).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from litestar.enums import ScopeType

from traceability.errors import TraceabilityError

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send


class SlowBody(TraceabilityError):
    """The request body did not arrive in time."""

    status: ClassVar[int] = 408
    slug: ClassVar[str] = "request-timeout"


def body_deadline(seconds: float) -> Any:
    """Litestar middleware: request bodies must arrive within ``seconds``."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def with_deadline(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            loop = asyncio.get_running_loop()
            deadline = loop.time() + seconds
            complete = False

            async def timed_receive() -> ReceiveMessage:
                nonlocal complete
                if complete:
                    return await receive()
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await receive()
                except TimeoutError:
                    raise SlowBody(f"Send the request body within {seconds:g} seconds.") from None
                if message["type"] != "http.request" or not message.get("more_body", False):
                    complete = True
                return message

            await app(scope, timed_receive, send)

        return with_deadline

    return middleware
