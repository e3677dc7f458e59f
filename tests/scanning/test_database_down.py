"""A scan while PostgreSQL cannot be reached: an honest page, never a 500.

The service reaches the test database through a TCP relay that the test cuts: open
connections are reset and new ones refused, as when the database host goes down. The
shared test server itself keeps running for the other tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
from litestar.testing import AsyncTestClient

from tests.scanning.conftest import free_port
from tests.scanning.helpers import active_batch, path
from tests.scanning.test_security_headers import assert_secured
from tests.world import Registry
from traceability.app import create_app
from traceability.settings import Settings

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8", "Accept-Encoding": "gzip"}


class Relay:
    """A TCP relay to the database that can be cut and restored.

    It runs its own event loop in a thread: the app under test may run on another loop.
    """

    def __init__(self, socket_path: str) -> None:
        self.target = socket_path
        self.port = free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    def start(self) -> None:
        async def start() -> None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

        self._run(start())

    def cut(self) -> None:
        async def cut() -> None:
            if self._server is None:
                return
            self._server.close()
            for writer in list(self._writers):
                writer.transport.abort()  # a reset, as when the host goes away
            await self._server.wait_closed()
            self._server = None

        self._run(cut())

    def close(self) -> None:
        self.cut()

        async def settle() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for writer in list(self._writers):
                writer.transport.abort()

        self._run(settle())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_unix_connection(self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.transport.abort()

        try:
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        finally:
            up_writer.transport.abort()
            writer.transport.abort()
            self._writers -= {writer, up_writer}


@pytest.fixture
def relay(settings: Settings) -> Iterator[Relay]:
    assert settings.database_url is not None
    # The test server listens on a Unix socket in the folder the URL names.
    folder = parse_qs(urlsplit(settings.database_url).query)["host"][0]
    (socket_path,) = glob.glob(f"{folder}/.s.PGSQL.*[0-9]")
    relay = Relay(socket_path)
    relay.start()
    yield relay
    relay.close()


@pytest.fixture
async def relayed(settings: Settings, relay: Relay) -> AsyncIterator[AsyncTestClient[Any]]:
    assert settings.database_url is not None
    url = urlsplit(settings.database_url)
    through = replace(
        settings,
        database_url=urlunsplit(url._replace(netloc=f"postgres@127.0.0.1:{relay.port}", query="")),
    )
    async with AsyncTestClient(app=create_app(through), base_url="http://testserver.local") as c:
        yield c


async def test_a_scan_while_the_database_is_down(
    relayed: AsyncTestClient[Any], relay: Relay, registry: Registry
) -> None:
    client = relayed
    batch = await active_batch(client, registry)
    seen = path(client, batch["first_serial"])
    assert (await client.get(seen)).status_code == 200
    unseen = path(client, batch["first_serial"] + 1)  # a stamp no cache has met
    other = await active_batch(client, registry)
    cold = path(client, other["first_serial"])  # of a batch no cache has met
    forged = seen[:-1] + str((int(seen[-1]) + 1) % 10)

    relay.cut()
    for url in (seen, unseen, cold):
        page = await client.get(url, headers=BROWSER)
        assert page.status_code == 503, (url, page.text[:300])
        assert page.headers["retry-after"] == "30"
        assert page.headers["cache-control"] == "no-store"
        assert_secured(page)
        assert "Tem có chữ ký hợp lệ" in page.text
        assert "tạm thời chưa xem được" in page.text
        english = await client.get(url + "?lang=en", headers=BROWSER)
        assert "temporarily unavailable" in english.text
        answer = await client.get(url, headers={"Accept": "application/json"})
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.headers["retry-after"] == "30"
        body = answer.json()
        assert body["signature"] == "valid"
        assert body["serial"] in (
            batch["first_serial"],
            batch["first_serial"] + 1,
            other["first_serial"],
        )
    # HEAD records nothing: it answers from what the cache still holds, else 503.
    assert (await client.head(cold)).status_code == 503
    # The scratch-PIN check needs the database: a page saying so, to retry, not a 500.
    pin = await client.post(seen + "/pin", data={"pin": "1234567890"}, headers=BROWSER)
    assert pin.status_code == 503
    assert int(pin.headers["retry-after"]) > 0
    assert "Hệ thống đang bận" in pin.text
    assert_secured(pin)
    # A forged code needs no database to say so; a code cut short neither.
    page = await client.get(forged, headers=BROWSER)
    assert page.status_code == 404
    assert "Không phải tem chính hãng" in page.text
    page = await client.get(seen[:100], headers=BROWSER)
    assert page.status_code == 404
    assert "Đường liên kết chưa đầy đủ" in page.text

    relay.start()
    for _ in range(50):  # the pool and the recorder reconnect by themselves
        if (await client.get(unseen)).status_code == 200:
            break
        await asyncio.sleep(0.1)
    answer = await client.get(unseen, headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json()["verdict"] == "genuine"


async def test_the_first_scan_after_an_outage_is_recorded(
    relayed: AsyncTestClient[Any], relay: Relay, registry: Registry
) -> None:
    """The recorder keeps its connection between scans; one lost while idle is replaced.

    Before, the first scan after the database came back found the connection handed back
    to the pool when it died: not recorded, and the consumer got "details unavailable".
    """
    client = relayed
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    assert (await client.get(url)).status_code == 200
    relay.cut()
    await asyncio.sleep(0.3)  # the service sees its connections reset while nobody scans
    relay.start()
    answer = await client.get(url, headers={"Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["verdict"] == "genuine"
