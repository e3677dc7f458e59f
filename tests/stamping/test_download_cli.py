from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from stamps import verify
from tests.scanning.conftest import server
from tests.stamping.registry import Registry
from traceability.cli import main
from traceability.runtime import runtime_of

__all__ = ["server"]


async def test_cli_downloads_csv_with_a_progress_bar(
    server: tuple[str, Any],
    registry: Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, app = server
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        batch = (
            await http.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 3000},
                headers=registry.coop,
            )
        ).json()
    key = registry.coop["Authorization"].split()[1]
    out = tmp_path / "batch.csv"
    argv = [
        "stamps",
        "download",
        str(batch["id"]),
        "--format",
        "csv",
        "-o",
        str(out),
        "--url",
        base,
        "--key",
        key,
    ]
    assert await asyncio.to_thread(main, argv) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 3001
    ring = runtime_of(app).keys.ring
    assert verify(lines[-1].split(",")[1], ring).serial == batch["last_serial"]
    progress = capsys.readouterr().err
    assert "100.0% 3,000/3,000 stamps" in progress
    denied = [
        "stamps",
        "download",
        str(batch["id"]),
        "-o",
        str(tmp_path / "x.pdf"),
        "--url",
        base,
        "--key",
        registry.other_coop["Authorization"].split()[1],
    ]
    assert await asyncio.to_thread(main, denied) == 1


async def test_cli_takes_the_same_layout_choice_as_the_api(
    server: tuple[str, Any],
    registry: Registry,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base, _ = server
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        batch = (
            await http.post(
                "/api/v1/stamp-batches",
                json={"product_id": registry.product_id, "quantity": 50},
                headers=registry.coop,
            )
        ).json()
    key = registry.coop["Authorization"].split()[1]
    common = [str(batch["id"]), "--url", base, "--key", key]
    page = tmp_path / "page.png"
    argv = ["stamps", "download", *common, "--format", "png", "--page", "1", "-o", str(page)]
    assert await asyncio.to_thread(main, [*argv, "--stock", "a4-52.5x29.7"]) == 0
    assert len(zxingcpp.read_barcodes(Image.open(page))) == 40
    grid = ["--label-mm", "45x30", "--grid", "4x9", "--gap-mm", "2,5x2"]
    assert await asyncio.to_thread(main, [*argv, *grid]) == 0
    assert len(zxingcpp.read_barcodes(Image.open(page))) == 36
    capsys.readouterr()
    too_small = ["--label-mm", "20x20", "--grid", "9x12"]
    assert await asyncio.to_thread(main, [*argv, *too_small]) == 1
    assert "20 × 20 mm label cannot hold this stamp" in capsys.readouterr().err
