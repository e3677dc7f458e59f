"""The embedded PostgreSQL recovers by itself and never outlives the service by accident."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tests.test_cli import CLI, _env, _free_port


def _postmaster_pid(data: Path) -> int | None:
    try:
        pid = int((data / "pgdata" / "postmaster.pid").read_text().split("\n", 1)[0])
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


class Service:
    def __init__(self, data: Path, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("a") as out:
            self.process = subprocess.Popen(
                [*CLI, "serve", "--port", str(self.port)],
                env=_env(TRACEABILITY_DATA_DIR=str(data)),
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, "not ready in time:\n" + self.log.read_text()
            time.sleep(0.3)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)


def test_service_restarts_a_killed_database_and_stops_it_after_a_kill_9(
    embedded_data_dir: Path, tmp_path: Path
) -> None:
    data_dir = embedded_data_dir
    key = subprocess.run(
        [*CLI, "admin", "create-key", "--role", "authority", "--name", "ops"],
        env=_env(TRACEABILITY_DATA_DIR=str(data_dir)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    auth = {"Authorization": f"Bearer {key}"}
    log = tmp_path / "serve.log"

    # 1. PostgreSQL killed under the service: it is restarted, the service recovers alone
    # (it used to answer 500 forever while /healthz said 200).
    service = Service(data_dir, log)
    try:
        service.ready()
        first = _postmaster_pid(data_dir)
        assert first is not None
        os.kill(first, signal.SIGKILL)
        service.ready(seconds=45)
        assert _postmaster_pid(data_dir) not in {None, first}
        me = httpx.get(f"{service.base}/api/v1/api-keys/me", headers=auth, timeout=10)
        assert me.status_code == 200, me.text
        assert "restarting it" in log.read_text()

        # 2. The service is killed with kill -9: its PostgreSQL is left running.
        service.process.kill()
        service.process.wait(timeout=30)
        assert _postmaster_pid(data_dir) is not None
    finally:
        if service.process.poll() is None:
            service.process.kill()

    # 3. The next service uses that server, and its clean stop stops it (a stale pid in
    # the handle file used to keep it running forever).
    again = Service(data_dir, log)
    try:
        again.ready()
    finally:
        assert again.stop() == 0, log.read_text()
    assert _postmaster_pid(data_dir) is None, log.read_text()
