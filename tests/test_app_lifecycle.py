"""An app stops what it starts: test workers and reloaders build many apps in one process."""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from traceability.app import create_app
from traceability.logs import JsonFormatter, configure_logging
from traceability.settings import Settings


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.is_alive()}


@pytest.fixture
def json_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO", json=True)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_apps_started_and_stopped_leave_no_threads(settings: Settings) -> None:
    async def serve_once() -> None:
        async with AsyncTestClient(app=create_app(settings)) as client:
            assert (await client.get("/healthz")).status_code == 200

    await serve_once()  # the loop's own executor threads, if any, start here
    before = threading.active_count()
    for _ in range(5):
        await serve_once()
    assert threading.active_count() == before, sorted(_threads())


def test_building_an_app_starts_no_thread(settings: Settings) -> None:
    before = _threads()
    apps = [create_app(settings) for _ in range(5)]
    assert len(apps) == 5
    assert _threads() == before


def test_the_process_logging_survives_building_an_app(
    settings: Settings, json_logging: None
) -> None:
    """TRACEABILITY_LOG_JSON: the handler configure_logging set stays the root's handler."""

    def json_handlers() -> list[logging.Handler]:
        return [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]

    ours = json_handlers()
    assert len(ours) == 1
    create_app(settings)
    assert json_handlers() == ours


def test_logs_follow_stderr_when_it_is_swapped_after_configuring(
    json_logging: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI configures logging once; whoever replaces stderr afterwards (a test runner's
    capture, a redirect) gets the records, and a closed earlier stream breaks nothing."""
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    configure_logging("INFO", json=True)
    first.close()
    later = io.StringIO()
    monkeypatch.setattr(sys, "stderr", later)
    logging.getLogger("traceability.changes").info("listening for changes on %s", "channel")
    assert "listening for changes on channel" in later.getvalue()
