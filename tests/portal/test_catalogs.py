"""The portal's Vietnamese catalogs are one vocabulary, split by workspace into files."""

from __future__ import annotations

from collections import defaultdict

from babel.messages.pofile import read_po

from traceability.portal.i18n import LOCALE_DIR


def test_no_message_is_translated_two_ways() -> None:
    # The catalogs are merged into one (the last file read wins): a word translated in two
    # files shows one workspace's word in another's page ("Suspend" on the authority's
    # cooperative page came out as the retail workspace's "Tạm ngừng").
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    for po in sorted((LOCALE_DIR / "vi").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="vi"):
                if message.id and message.string and not message.fuzzy:
                    seen[str(message.id)][po.name] = str(message.string)
    clashes = {k: v for k, v in seen.items() if len(set(v.values())) > 1}
    assert clashes == {}
