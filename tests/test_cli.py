"""The ``traceability`` command as a user runs it: real processes, real servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from traceability.db.schema import schema_version_in_file

CLI = [sys.executable, "-m", "traceability.cli"]


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TRACEABILITY_") and k != "DATABASE_URL"
    }
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_create_key_prints_the_key_alone(database_url: str) -> None:
    result = subprocess.run(
        [*CLI, "admin", "create-key", "--role", "authority", "--name", "Sở KH&CN Hà Giang"],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("tsk_")
    assert len(lines[0]) > 40


def test_create_key_rejects_cooperative_key_without_cooperative(database_url: str) -> None:
    result = subprocess.run(
        [*CLI, "admin", "create-key", "--role", "cooperative", "--name", "x"],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout == ""


def test_backup_writes_a_pg_dump_archive(database_url: str, tmp_path: Path) -> None:
    target = tmp_path / "backup.dump"
    result = subprocess.run(
        [*CLI, "db", "backup", "-o", str(target)],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert "pg_restore" in result.stdout


def test_db_status_reports_the_schema_version(database_url: str) -> None:
    result = subprocess.run(
        [*CLI, "db", "status"],
        env=_env(DATABASE_URL=database_url),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    latest = schema_version_in_file()
    assert f"schema version {latest} (latest {latest})" in result.stdout
    assert "cooperatives: 0" in result.stdout


def test_bad_setting_is_a_clear_error() -> None:
    result = subprocess.run(
        [*CLI, "db", "status"],
        env=_env(TRACEABILITY_PORT="eighty"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "TRACEABILITY_PORT" in result.stderr


@pytest.mark.slow
def test_embedded_database_persists_across_restarts(
    embedded_data_dir: Path, tmp_path: Path
) -> None:
    """No DATABASE_URL: the service runs its own PostgreSQL in the data folder and keeps it."""
    env = _env(TRACEABILITY_DATA_DIR=str(embedded_data_dir))
    key = subprocess.run(
        [*CLI, "admin", "create-key", "--role", "authority", "--name", "first"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()
    assert (embedded_data_dir / "pgdata" / "PG_VERSION").exists()

    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [*CLI, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.3)
        me = httpx.get(f"{base}/api/v1/api-keys/me", headers={"Authorization": f"Bearer {key}"})
        assert me.status_code == 200
        assert me.json()["name"] == "first"
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0, log.read_text()
    # Stopped cleanly: the embedded server is down too.
    assert not (embedded_data_dir / "pgdata" / "postmaster.pid").exists()
    status = subprocess.run(
        [*CLI, "db", "status"], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert f"schema version {schema_version_in_file()}" in status.stdout
