"""The consumer page in a real browser at phone size, served by a real uvicorn server."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from PIL import Image

from stamps import issue
from tests.stamping.registry import Registry
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(settings: Settings) -> Iterator[tuple[str, Any]]:
    app = create_app(settings)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if uv.started:
            break
        threading.Event().wait(0.05)
    assert uv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", app
    uv.should_exit = True
    thread.join(timeout=20)


@pytest.mark.browser
async def test_scan_page_in_headless_chromium_at_phone_size(
    server: tuple[str, Any], registry: Registry, tmp_path: Path
) -> None:
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is required on CI (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    base, app = server
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        batch = (
            await http.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 10, "lot_id": registry.lot_id},
                headers=registry.coop,
            )
        ).json()
        activated = await http.post(
            "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
        )
        assert activated.status_code == 201
    url = f"{base}/s/{issue(batch['first_serial'], runtime_of(app).keys.ring).code}?lang=vi"
    shot = tmp_path / "scan-page.png"
    with tempfile.TemporaryDirectory() as profile:
        process = await asyncio.create_subprocess_exec(
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=390,844",
            f"--screenshot={shot}",
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=90)
    assert shot.exists(), stderr.decode(errors="replace")[-2000:]
    image = Image.open(shot).convert("RGB")
    assert image.size == (390, 844)
    colours = image.getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50, "the screenshot is blank"
    # The banner's green is on screen: the page rendered, not an error.
    if keep := os.environ.get("SCREENSHOT_DIR"):
        shutil.copy(shot, Path(keep) / "scan-page.png")
    # The first-scan banner's blue is on screen: the page rendered, not an error page.
    assert any(
        image.getpixel((x, y)) == (11, 83, 148) for x in range(0, 390, 5) for y in range(0, 300, 5)
    )
