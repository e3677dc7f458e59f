"""Add the portal's new messages to the Vietnamese catalog, for a translator to fill in.

    uv run python scripts/portal_messages.py [--check]

Messages already in ``traceability/portal/locale/vi/*.po`` keep their translations; new
ones go to ``portal.po`` with an empty translation (the tests then fail until it is filled).
``--check`` only lists the messages without a translation and exits 1 if there are any.
"""

from __future__ import annotations

import sys

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from traceability.portal.i18n import LOCALE_DIR
from traceability.portal.messages import portal_messages


def main(argv: list[str]) -> int:
    folder = LOCALE_DIR / "vi"
    known: dict[str, str] = {}
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="vi"):
                if message.id:
                    known[str(message.id)] = str(message.string or "")
    needed = portal_messages()
    missing = sorted(m for m in needed if not known.get(m))
    if "--check" in argv:
        for message in missing:
            print(message)
        return 1 if missing else 0
    target = folder / "portal.po"
    catalog = Catalog(locale="vi", project="hagiang-traceability portal", charset="utf-8")
    if target.exists():
        with target.open("rb") as handle:
            catalog = read_po(handle, locale="vi")
    for message in missing:
        if message not in known:
            catalog.add(message, "")
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True)
    print(f"{len(missing)} messages need Vietnamese in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
