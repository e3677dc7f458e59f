"""Parsing GS1 Digital Link URIs: ``/01/{gtin}[/10/{lot}][/21/{serial}][?{AI}={value}…]``.

GS1 Digital Link URI syntax 1.4 §4: the primary key (AI 01, GTIN) comes first, then its
qualifiers in a fixed order (22, 10, 21). A GTIN may be written with 8, 12, 13 or 14 digits;
resolvers compare GTIN-14. Lot and serial are up to 20 characters of GS1 character set 82,
percent-encoded in the path where needed (a ``/`` in a lot travels as ``%2F``), so the path
is split on its *raw* form, before any percent-decoding. Data attributes travel in the query
string under their numeric AI; a numeric key is an AI, and a value that breaks its AI's
format makes the whole URI invalid (400).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote

from traceability.errors import TraceabilityError
from traceability.registry.types import gs1_check_digit

# GS1 General Specifications, figure 7.11-1: character set 82.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
# Character set 64 (file-safe base64 plus '='), GS1 General Specifications figure 7.11-3.
_CSET64 = re.compile(r"^[A-Za-z0-9_\-=]+$")
_QUALIFIER_ORDER = {"22": 0, "10": 1, "21": 2}
MAX_PATH = 512
"""Longer paths are refused before any parsing: no valid GTIN/lot/serial path comes close."""


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

    def levels(self) -> list[DigitalLink]:
        """This link and each less specific one up to the GTIN (serial → lot → GTIN)."""
        found = [self]
        if self.serial is not None:
            found.append(DigitalLink(self.gtin, self.lot))
        if self.lot is not None:
            found.append(DigitalLink(self.gtin))
        return found


def normalise_gtin(raw: str) -> str:
    if not raw.isascii() or not raw.isdigit() or len(raw) not in (8, 12, 13, 14):
        raise BadDigitalLink(f"A GTIN has 8, 12, 13 or 14 digits, not {raw[:40]!r}.")
    if gs1_check_digit(raw[:-1]) != int(raw[-1]):
        raise BadDigitalLink(f"The GTIN {raw} has a wrong check digit.")
    return raw.zfill(14)


def parse(path: str) -> DigitalLink:
    """Parse the raw (still percent-encoded) path from ``01`` on, e.g. ``01/0893…/10/LOT%2F1``.

    One trailing slash is tolerated (GS1-Conformant Resolver: SHOULD NOT fail on it); an
    empty segment anywhere else is a syntax error.
    """
    if len(path) > MAX_PATH:
        raise BadDigitalLink("This path is far too long for a GS1 Digital Link.")
    text = path.removeprefix("/").removesuffix("/")
    segments = text.split("/")
    if len(segments) < 2 or segments[0] != "01" or len(segments) % 2:
        raise BadDigitalLink("Expected /01/{gtin} followed by /10/{lot} and/or /21/{serial}.")
    gtin = normalise_gtin(segments[1])
    values: dict[str, str] = {}
    last = -1
    for ai, raw in zip(segments[2::2], segments[3::2], strict=True):
        if ai not in _QUALIFIER_ORDER:
            raise BadDigitalLink(f"Application identifier {ai[:8]!r} cannot qualify a GTIN here.")
        if _QUALIFIER_ORDER[ai] <= last:
            raise BadDigitalLink("Qualifiers must appear once each, in the order 22, 10, 21.")
        last = _QUALIFIER_ORDER[ai]
        try:
            value = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            value = ""
        if not _CSET82.match(value):
            raise BadDigitalLink(
                f"AI ({ai}) takes 1–20 characters of GS1 character set 82, not {value[:40]!r}."
            )
        values[ai] = value
    if "22" in values:
        raise BadDigitalLink("Consumer product variant (AI 22) is not used by this resolver.")
    return DigitalLink(gtin, values.get("10"), values.get("21"))


# --- data attributes in the query string -----------------------------------------------


def _date_yymmdd(value: str, *, day_zero: bool) -> bool:
    if not re.fullmatch(r"[0-9]{6}", value):
        return False
    month, day = int(value[2:4]), int(value[4:6])
    if not 1 <= month <= 12:
        return False
    if day == 0:
        return day_zero
    try:
        date(2000 + int(value[:2]), month, day)  # the century does not change validity
    except ValueError:
        return False
    return True


def _digits(low: int, high: int) -> Callable[[str], bool]:
    pattern = re.compile(rf"[0-9]{{{low},{high}}}")
    return lambda value: pattern.fullmatch(value) is not None


def _measure(value: str) -> bool:
    return re.fullmatch(r"[0-9]{6}", value) is not None


_AI_FORMATS: dict[str, Callable[[str], bool]] = {
    "11": lambda v: _date_yymmdd(v, day_zero=False),  # production date
    "12": lambda v: _date_yymmdd(v, day_zero=True),  # due date
    "13": lambda v: _date_yymmdd(v, day_zero=False),  # packaging date
    "15": lambda v: _date_yymmdd(v, day_zero=True),  # best before
    "16": lambda v: _date_yymmdd(v, day_zero=True),  # sell by
    "17": lambda v: _date_yymmdd(v, day_zero=True),  # expiration date
    "30": _digits(1, 8),  # variable count
    "37": _digits(1, 8),  # count of trade items
    "422": _digits(3, 3),  # country of origin
    "7003": _digits(10, 10),  # expiration date and time
    # Digital signature: up to 90 characters of character set 64 (GSCN 21-307).
    "8030": lambda v: 1 <= len(v) <= 90 and _CSET64.fullmatch(v) is not None,
}
for _n in range(10):  # trade measures 310n…369n: six digits, n = decimal places
    for _base in range(310, 370):
        _AI_FORMATS[f"{_base}{_n}"] = _measure


def check_data_attributes(pairs: list[tuple[str, str]]) -> None:
    """Refuse the URI if a numeric query key is not a data attribute AI or breaks its format.

    Non-numeric keys (``linkType``, ``utm_source``…) are the resolver's or the target's
    business and pass untouched.
    """
    for key, value in pairs:
        if not key.isascii() or not key.isdigit():
            continue
        check = _AI_FORMATS.get(key)
        if check is None:
            raise BadDigitalLink(
                f"Query parameter {key[:8]!r} is not a GS1 data attribute this resolver accepts."
            )
        if not check(value):
            raise BadDigitalLink(f"The value of AI ({key}) does not have that AI's format.")
