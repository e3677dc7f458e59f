from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from tests.world import registry
from traceability.app import create_app
from traceability.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, Any]]:
    """The service on a real uvicorn server: (base URL, app)."""
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(400):
        if uv.started:
            break
        threading.Event().wait(0.05)
    assert uv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", app
    uv.should_exit = True
    thread.join(timeout=20)


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium; required on CI, skipped elsewhere when missing."""
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required on CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return CHROMIUM


__all__ = ["registry"]
