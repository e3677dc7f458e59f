"""The test harness itself: a killed pytest session leaves no embedded PostgreSQL behind."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

REPO = Path(__file__).resolve().parent.parent
SLEEPER = """
import json, os, time
from pathlib import Path


def test_holds_a_server(pg_server):
    postmaster = int((pg_server.pgdata / "postmaster.pid").read_text().split()[0])
    Path(os.environ["SLEEPER_REPORT"]).write_text(
        json.dumps({"postmaster": postmaster, "pgdata": str(pg_server.pgdata), "pid": os.getpid()})
    )
    time.sleep(300)
"""


def _wait_for(path: Path, seconds: float) -> dict[str, object]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            report: dict[str, object] = json.loads(path.read_text())
            return report
        time.sleep(0.2)
    raise AssertionError(f"the child session never started its server ({seconds:.0f} s)")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("how", "options"),
    [
        # An xdist worker killed (out of memory, a hung test's kill): it held the server.
        (signal.SIGKILL, ["-n", "1"]),
        # The session itself, as a timeout stops it (its server was its own).
        (signal.SIGTERM, ["-p", "no:xdist"]),
    ],
    ids=["sigkill-xdist-worker", "sigterm-session"],
)
def test_a_killed_session_stops_its_embedded_postgres(
    tmp_path: Path, how: signal.Signals, options: list[str]
) -> None:
    # (A killed controller needs nothing more: its workers see their channel close and
    # exit normally, stopping their servers.)
    (tmp_path / "test_sleeper.py").write_text(SLEEPER)
    report = tmp_path / "report.json"
    session = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
         *options, str(tmp_path / "test_sleeper.py")],
        cwd=REPO,
        env={**os.environ, "SLEEPER_REPORT": str(report)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    postmaster: psutil.Process | None = None
    pgdata: Path | None = None
    try:
        facts = _wait_for(report, 120)
        postmaster = psutil.Process(int(str(facts["postmaster"])))
        pgdata = Path(str(facts["pgdata"]))
        assert postmaster.is_running()
        holder = int(str(facts["pid"]))  # the session, or the worker running the test
        assert psutil.Process(holder).ppid() in {session.pid, os.getpid()}
        os.kill(holder, how)
        try:
            postmaster.wait(timeout=30)
        except psutil.TimeoutExpired:
            pytest.fail(f"the server outlived the session killed by {how.name}")
        deadline = time.monotonic() + 10
        while pgdata.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not pgdata.exists(), "the killed session's server folder was left behind"
    finally:
        # Whatever happened: none of the child session's processes or servers stay.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(session.pid, signal.SIGKILL)
        session.wait(timeout=30)
        if postmaster is not None and postmaster.is_running():
            postmaster.kill()
        if pgdata is not None:
            shutil.rmtree(pgdata.parent, ignore_errors=True)
