"""Faults that only real processes show: kill -9 of the service, a download cut off by it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from stamps import issue_many
from tests.instances import descendants, running, wait_gone
from tests.world import Registry, registry
from traceability.cli import main
from traceability.settings import Settings
from traceability.signing import read_key_ring

__all__ = ["registry"]

pytestmark = pytest.mark.slow


def _kill_all(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _order(base: str, registry: Registry, quantity: int) -> dict[str, Any]:
    answer = httpx.post(
        base + "/api/v1/stamp-batches",
        json={"product_id": registry.product_id, "quantity": quantity},
        headers=registry.coop,
        timeout=60,
    )
    assert answer.status_code == 201, answer.text
    batch: dict[str, Any] = answer.json()
    return batch


async def test_kill_9_of_the_service_ends_every_process_it_started(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    await asyncio.to_thread(_kill_with_pools, settings, registry, tmp_path)


def _kill_with_pools(settings: Settings, registry: Registry, tmp_path: Path) -> None:
    with running(settings, tmp_path, workers=2) as service:
        batch = _order(service.url, registry, 2500)
        ring = read_key_ring(settings)
        codes = [s.code for s in issue_many(range(batch["first_serial"], batch["first_serial"]
                                                   + 2500), ring)]  # fmt: skip
        # Enough codes for the answering worker to start its bulk-verify process pool.
        verified = httpx.post(
            service.url + "/api/v1/verify",
            json={"codes": codes},
            headers=registry.retailer,
            timeout=120,
        )
        assert verified.status_code == 200, verified.text
        assert verified.json()["by_status"]["not_activated"] == 2500
        started = descendants(service.pid)
        pool = os.cpu_count() or 1
        assert len(started) >= 2 + (pool if pool > 1 else 0), started
        service.signal(signal.SIGKILL)
        left = wait_gone(started, timeout=40)
        _kill_all(left)
        assert left == set(), "still running after the service was killed"


async def test_a_download_cut_by_kill_9_leaves_no_file_and_no_process(
    settings: Settings, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await asyncio.to_thread(_kill_mid_download, settings, registry, tmp_path, capsys)


def _kill_mid_download(
    settings: Settings, registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    out = downloads / "batch.csv"
    with running(settings, tmp_path) as service:
        batch = _order(service.url, registry, 300_000)
        result: list[int] = []
        key = registry.coop["Authorization"].split()[1]
        argv = ["stamps", "download", str(batch["id"]), "--format", "csv", "-o", str(out),
                "--url", service.url, "--key", key]  # fmt: skip
        fetching = threading.Thread(target=lambda: result.append(main(argv)))
        fetching.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            partial = [p for p in downloads.iterdir() if p.stat().st_size > 100_000]
            if partial:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the download never started")
        started = descendants(service.pid)  # the CSV's signing processes among them
        service.signal(signal.SIGKILL)
        fetching.join(60)
        assert result == [1]
        left = wait_gone(started, timeout=30)
        _kill_all(left)
        assert left == set(), "the print workers outlived the service"
    assert list(downloads.iterdir()) == []  # neither the file nor a partial one
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("download broken after")
    assert "of 300,000 stamps" in message
    assert f"{out} was not written" in message
