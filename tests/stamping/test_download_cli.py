from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from stamps import verify
from tests.scanning.conftest import server
from tests.world import Registry
from traceability.cli import main
from traceability.runtime import runtime_of

QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)

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
    assert len(zxingcpp.read_barcodes(Image.open(page), formats=QR_ONLY)) == 40
    grid = ["--label-mm", "45x30", "--grid", "4x9", "--gap-mm", "2,5x2"]
    assert await asyncio.to_thread(main, [*argv, *grid]) == 0
    assert len(zxingcpp.read_barcodes(Image.open(page), formats=QR_ONLY)) == 36
    capsys.readouterr()
    too_small = ["--label-mm", "20x20", "--grid", "9x12"]
    assert await asyncio.to_thread(main, [*argv, *too_small]) == 1
    assert "20 × 20 mm label cannot hold this stamp" in capsys.readouterr().err


class _BreakingServer:
    """Answers like the service, then drops the connection mid-stream (a real socket)."""

    def __init__(self, body: bytes, headers: dict[str, str]) -> None:
        self.body, self.headers = body, headers
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        conn, _ = self.listener.accept()
        with conn:
            conn.recv(65536)
            head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in self.headers.items()
            )
            conn.sendall(head.encode() + b"\r\n")
            conn.sendall(b"%x\r\n%s\r\n" % (len(self.body), self.body))
            # No terminating chunk: the service died here.
        self.listener.close()


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        ("csv", b"serial,url,pin\n" + b"".join(b"%d,https://x/S/1,1234\n" % i for i in range(600))),
        ("pdf", b"%PDF-1.4\n" + b"x" * 5000),
    ],
)
def test_a_broken_stream_leaves_no_file_that_looks_finished(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str, body: bytes
) -> None:
    out = tmp_path / f"batch.{fmt}"
    out.write_bytes(b"the last good download")
    broken = _BreakingServer(body, {"X-Stamp-Count": "1000", "X-Page-Count": "25"})
    argv = ["stamps", "download", "7", "--format", fmt, "-o", str(out), "--url", broken.url,
            "--key", "tsk_test"]  # fmt: skip
    assert main(argv) == 1
    assert out.read_bytes() == b"the last good download"  # untouched, never half-replaced
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no partial file left behind
    message = capsys.readouterr().err.strip().splitlines()[-1]
    assert message.startswith("download broken after")
    assert "not written" in message
    if fmt == "csv":
        assert "600 of 1,000 stamps" in message
