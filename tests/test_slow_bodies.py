"""Twelve anonymous half-sent bodies no longer take the service down (issue 7, item 2).

Real uvicorn, real sockets: the slow clients send headers and part of a body, then stall.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from tests.scanning.helpers import path
from tests.world import Registry, order, registry
from traceability.app import create_app
from traceability.settings import Settings

__all__ = ["registry"]  # the fixture

SLOW_CLIENTS = 12
BODY_SECONDS = 2.0


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[tuple[str, Any]]:
    slow = dataclasses.replace(settings, body_seconds=BODY_SECONDS)
    app = create_app(slow)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    while not running.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        running.should_exit = True
        await task


async def _stall(host: str, port: int, target: str) -> bytes:
    """Send the headers and half the body, then wait; return what the server answers."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"POST {target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
        "\r\nContent-Length: 100\r\n\r\npin=12".encode()
    )
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), timeout=BODY_SECONDS + 10)
    finally:
        writer.close()


async def test_slow_bodies_hold_no_connection_and_are_closed(
    server: tuple[str, Any], registry: Registry, settings: Settings
) -> None:
    base, _ = server
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        from litestar.testing import AsyncTestClient

        # A genuine stamp to scan and to send PINs to.
        async with AsyncTestClient(app=create_app(settings)) as local:
            batch = await order(local, registry.coop, registry.product_id, 1)
            stamp = path(local, batch["first_serial"])
        host, port = base.removeprefix("http://").split(":")
        stalled = [
            asyncio.create_task(_stall(host, int(port), stamp + "/pin"))
            for _ in range(SLOW_CLIENTS)
        ]
        await asyncio.sleep(0.5)  # every slow client is in, holding what it holds
        started = time.monotonic()
        assert (await client.get("/readyz")).status_code == 200
        assert (await client.get(stamp)).status_code == 200
        me = await client.get("/api/v1/api-keys/me", headers=registry.coop)
        assert me.status_code == 200
        assert time.monotonic() - started < 2, "the service waited for the slow clients"
        answers = await asyncio.gather(*stalled)
        # Each slow client was answered 408 and its connection closed (read() returned).
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), answers[:1]
        assert (await client.get("/readyz")).status_code == 200
