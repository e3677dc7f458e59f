"""Named SQL queries kept in ``queries.sql`` files beside each domain's repository.

A file holds blocks that start with ``-- name: <query_name>``; they are parsed once, at import.
"""

from __future__ import annotations

import re
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.MULTILINE)

_REGISTRY: dict[str, dict[str, str]] = {}


def load_queries(path: Path | str) -> dict[str, str]:
    """Parse a queries file into ``{name: sql}``; duplicate names are an error."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    parts = _NAME.split(text)
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        if name in queries:
            raise ValueError(f"{path}: query {name!r} is defined twice")
        queries[name] = body.strip().rstrip(";")
    _REGISTRY[str(path)] = queries
    return queries


def queries_beside(module_file: str) -> dict[str, str]:
    """The queries in the ``queries.sql`` next to a module (pass ``__file__``)."""
    return load_queries(Path(module_file).with_name("queries.sql"))


def all_loaded_queries() -> dict[str, dict[str, str]]:
    """Every query file loaded so far, for the test that prepares each one."""
    return dict(_REGISTRY)
