"""Parsing GS1 Digital Link URI paths: ``/01/{gtin}[/10/{lot}][/21/{serial}]``.

GS1 Digital Link 1.4 §4: the primary key (AI 01, GTIN) comes first, then its qualifiers in a
fixed order (22, 10, 21). A GTIN may be written with 8, 12, 13 or 14 digits; resolvers
compare GTIN-14. Lot and serial are up to 20 characters of GS1 character set 82.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from traceability.errors import TraceabilityError

# GS1 General Specifications, figure 7.11-1: character set 82.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_QUALIFIER_ORDER = {"22": 0, "10": 1, "21": 2}


class BadDigitalLink(TraceabilityError):
    """This is not a valid GS1 Digital Link."""

    status = 400
    slug = "bad-digital-link"


@dataclass(frozen=True, slots=True)
class DigitalLink:
    gtin: str
    """GTIN-14."""
    lot: str | None = None
    serial: str | None = None

    @property
    def path(self) -> str:
        """The canonical path: GTIN-14, qualifiers in order, percent-encoded."""
        path = f"/01/{self.gtin}"
        if self.lot is not None:
            path += f"/10/{quote(self.lot, safe='')}"
        if self.serial is not None:
            path += f"/21/{quote(self.serial, safe='')}"
        return path


def gs1_check_digit_ok(digits: str) -> bool:
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def normalise_gtin(raw: str) -> str:
    if not raw.isascii() or not raw.isdigit() or len(raw) not in (8, 12, 13, 14):
        raise BadDigitalLink(f"A GTIN has 8, 12, 13 or 14 digits, not {raw!r}.")
    if not gs1_check_digit_ok(raw):
        raise BadDigitalLink(f"The GTIN {raw} has a wrong check digit.")
    return raw.zfill(14)


def parse(path: str) -> DigitalLink:
    """Parse the part of a URI path that starts at ``01``, e.g. ``01/0893…/10/LOT1``."""
    segments = [s for s in path.strip("/").split("/")]
    if len(segments) < 2 or segments[0] != "01" or len(segments) % 2:
        raise BadDigitalLink("Expected /01/{gtin} followed by /10/{lot} and/or /21/{serial}.")
    gtin = normalise_gtin(segments[1])
    values: dict[str, str] = {}
    last = -1
    for ai, raw in zip(segments[2::2], segments[3::2], strict=True):
        if ai not in _QUALIFIER_ORDER:
            raise BadDigitalLink(f"Application identifier {ai!r} cannot qualify a GTIN here.")
        if _QUALIFIER_ORDER[ai] <= last:
            raise BadDigitalLink("Qualifiers must appear once each, in the order 22, 10, 21.")
        last = _QUALIFIER_ORDER[ai]
        value = unquote(raw)
        if not _CSET82.match(value):
            raise BadDigitalLink(
                f"AI ({ai}) takes 1–20 characters of GS1 character set 82, not {value!r}."
            )
        values[ai] = value
    if "22" in values:
        raise BadDigitalLink("Consumer product variant (AI 22) is not used by this resolver.")
    return DigitalLink(gtin, values.get("10"), values.get("21"))
