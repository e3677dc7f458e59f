"""Backups of an older server restore with that server's own tools (Debian's PostgreSQL 15)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_db_cli import _run, _tables
from traceability.db.embedded import EmbeddedPostgres, client_bin_dir

PG15 = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="module")
def postgres_15(pg_server: EmbeddedPostgres) -> Iterator[str]:
    """A real PostgreSQL 15 server (Debian's package; .ci/run installs it)."""
    if not (PG15 / "initdb").exists():
        pytest.skip("Debian's PostgreSQL 15 is not installed (apt-get install postgresql-15)")
    home = Path(tempfile.mkdtemp(prefix="traceability-test-pg15-"))
    home.chmod(0o755)
    user = pg_server.system_user  # root may not run a server: the embedded server's user
    if user is not None:
        shutil.chown(home, user)

    def run(*command: str | Path) -> None:
        subprocess.run([str(c) for c in command], check=True, capture_output=True, user=user)

    run(PG15 / "initdb", "-D", home / "data", "-U", "postgres", "--auth=trust")
    run(PG15 / "pg_ctl", "-D", home / "data", "-w", "-l", home / "log",
        "-o", f"-h '' -k {home}", "start")  # fmt: skip
    try:
        run(PG15 / "createdb", "-h", home, "-U", "postgres", "traceability")
        run(PG15 / "createdb", "-h", home, "-U", "postgres", "restored")
        yield f"postgresql://postgres:@/traceability?host={home}"
    finally:
        run(PG15 / "pg_ctl", "-D", home / "data", "-m", "immediate", "stop")
        shutil.rmtree(home, ignore_errors=True)


def test_backup_of_postgresql_15_restores_with_its_own_pg_restore(
    postgres_15: str, tmp_path: Path
) -> None:
    assert _run("db", "apply", DATABASE_URL=postgres_15).returncode == 0
    made = _run(
        "admin", "create-key", "--role", "authority", "--name", "x", DATABASE_URL=postgres_15
    )
    assert made.returncode == 0, made.stderr
    archive = tmp_path / "pg15.dump"
    backup = _run("db", "backup", "-o", str(archive), DATABASE_URL=postgres_15)
    assert backup.returncode == 0, backup.stderr
    assert "pg_dump 15" in backup.stdout
    assert not list(tmp_path.glob("*.partial"))
    # PostgreSQL 15's own pg_restore reads it (it cannot read an archive by pg_dump 18).
    restored = postgres_15.replace("/traceability?", "/restored?")
    subprocess.run(
        [str(PG15 / "pg_restore"), "--no-owner", f"--dbname={restored}", str(archive)],
        check=True,
        capture_output=True,
    )
    assert _tables(restored) == _tables(postgres_15)
    status = _run("db", "status", DATABASE_URL=restored)
    assert "cooperatives: 0" in status.stdout


def test_backup_refuses_a_pg_dump_of_another_version(postgres_15: str, tmp_path: Path) -> None:
    newer = _run(
        "db", "backup", "-o", str(tmp_path / "x.dump"),
        "--pg-dump", str(client_bin_dir() / "pg_dump"),
        DATABASE_URL=postgres_15,
    )  # fmt: skip
    assert newer.returncode == 1
    assert "the server is PostgreSQL 15" in newer.stderr
    assert not (tmp_path / "x.dump").exists()
