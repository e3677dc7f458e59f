"""Real service processes for tests of what only processes show: signals, kill -9, several
instances on one database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx

from traceability.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def service_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of ``traceability serve`` for these settings (what an operator sets)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEABILITY_")}
    env.update(
        DATABASE_URL=str(settings.database_url),
        TRACEABILITY_DATA_DIR=str(settings.data_dir),
        TRACEABILITY_KEY_PASSPHRASE=settings.key_passphrase.decode(),
        TRACEABILITY_PUBLIC_URL=settings.public_url,
        TRACEABILITY_POOL_MIN_SIZE="1",
        TRACEABILITY_POOL_MAX_SIZE="4",
        TRACEABILITY_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


class Instance:
    """``traceability serve`` in a process of its own, on a port of its own."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the service exited ({self.process.returncode}):\n"
                                     + self.output())  # fmt: skip
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError("the service did not start:\n" + self.output())

    def signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@contextmanager
def running(
    settings: Settings, tmp_path: Path, *, workers: int = 1, name: str = "service", **env: str
) -> Iterator[Instance]:
    """A started instance; stopped (SIGTERM, then SIGKILL) at the end whatever happened."""
    port = free_port()
    log = tmp_path / f"{name}-{port}.log"
    handle: IO[Any] = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "traceability.cli", "serve", "--port", str(port),
         "--workers", str(workers)],
        env=service_env(settings, **env), stdout=handle, stderr=subprocess.STDOUT,
    )  # fmt: skip
    instance = Instance(process, port, log)
    try:
        instance.wait_ready()
        yield instance
    finally:
        instance.stop()
        handle.close()


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid`` (from /proc: children of children…)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] == "Z":  # a zombie is dead, only not yet reaped
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.add(pid)
    return living


def wait_gone(pids: set[int], timeout: float = 30) -> set[int]:
    """The pids still alive after ``timeout`` seconds (empty when all ended)."""
    deadline = time.monotonic() + timeout
    while (left := alive(pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left
