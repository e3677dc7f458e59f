"""The test harness itself: a second test session on the same machine leaves this one alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import asyncpg

from traceability.db.embedded import EmbeddedPostgres


async def test_a_second_test_session_does_not_kill_this_sessions_database(
    pg_server: EmbeddedPostgres, tmp_path: Path
) -> None:
    # A second pytest session that uses a temporary folder (and no database) makes pytest
    # re-tighten its temporary root to 0700; the server, running as another system user,
    # must not depend on reaching anything under it.
    other = tmp_path / "other_session"
    other.mkdir()
    (other / "test_other.py").write_text("def test_uses_tmp_path(tmp_path):\n    assert tmp_path\n")
    second = subprocess.run(  # noqa: ASYNC221 (the point is to block while it runs)
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-c",
            "/dev/null",
            "--rootdir",
            str(other),
            str(other / "test_other.py"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    # This session's server still reads its data folder: a new database from the template.
    admin = await asyncpg.connect(pg_server.url_for("postgres"))
    try:
        await admin.execute(
            'CREATE DATABASE "after_second_session" TEMPLATE "traceability_template"'
        )
        conn = await asyncpg.connect(pg_server.url_for("after_second_session"))
        try:
            assert await conn.fetchval("SELECT count(*) FROM schema_version") >= 1
        finally:
            await conn.close()
    finally:
        await admin.execute('DROP DATABASE IF EXISTS "after_second_session" WITH (FORCE)')
        await admin.close()
