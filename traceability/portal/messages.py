"""Finding every message the portal shows, so none is left untranslated.

Used by ``scripts/portal_messages.py`` (which adds new messages to the Vietnamese catalog
for a translator to fill in) and by the test that fails while any message lacks Vietnamese.
Messages are found in templates (``_()``, ``{% trans %}``) and in Python (``_()``, ``N_()``),
plus the database constraint messages of ``errors.CONSTRAINT_MESSAGES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir

PORTAL = Path(__file__).parent
PACKAGE = PORTAL.parent
_KEYWORDS: dict[str, Any] = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
_FORM_ERRORS: dict[str, Any] = {"InvalidInput": None, "Conflict": None}
"""A service's ``InvalidInput("…")``/``Conflict("…")`` is shown beside a form's field."""

SERVICE_FOLDERS = [
    "accounts",
    "chains",
    "deliveries",
    "subsidy",
    "cases",
    "stamping",
    "scanning",
    "registry",
    "signing_keys",
    "cancellations",
]
"""Service folders whose form errors portal pages show; a workspace adds its domain's
folder (``registry``, ``stamping``…) when it builds pages on it."""


def _extract(
    folder: Path, method_map: list[tuple[str, str]], keywords: dict[str, Any]
) -> Iterator[str]:
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(folder),
        method_map=method_map,
        keywords=keywords,
        options_map={"**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}},
    ):
        if isinstance(message, tuple):
            yield from (m for m in message if m)
        elif message:
            yield message


def portal_messages() -> set[str]:
    """Every message the pages can show."""
    from traceability.errors import CONSTRAINT_MESSAGES

    pages = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = set(_extract(PORTAL, pages, _KEYWORDS))
    for folder in SERVICE_FOLDERS:
        found |= set(_extract(PACKAGE / folder, [("**.py", "python")], _FORM_ERRORS))
    found |= set(CONSTRAINT_MESSAGES.values())
    return found
