"""The consumer page in a real browser at phone size, served by a real uvicorn server."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from stamps import issue
from tests.world import Registry
from traceability.runtime import runtime_of


@pytest.mark.browser
async def test_scan_page_in_headless_chromium_at_phone_size(
    server: tuple[str, Any], registry: Registry, tmp_path: Path, chromium: str
) -> None:
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
            chromium,
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
