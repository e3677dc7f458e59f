"""Compressed GS1 Digital Link URIs (GS1 Digital Link standard 1.2, "compression"): decompression.

A compressed URI carries its element strings as one bit string written in URL-safe base64 in
a single path segment (``https://host/AQnYUc1gmiERBhQ0ytiyZuAGOLc1TQ``), or after an
uncompressed primary key (``/01/{gtin}/{bits}``). The bit string is a run of entries:

- a numeric AI as 4-bit digits (how many digits follows from its first two), then its value
  in the AI's format: fixed-length numbers in the fewest bits, variable-length numbers with a
  length first, alphanumerics with a 3-bit encoding (digits, lower or upper hex, URL-safe
  base64, 7-bit ASCII) and, when variable, a length;
- or one byte naming a common sequence of AIs (``0B`` = GTIN then lot), their values following;
- or ``F`` and a 7-bit key length: a non-GS1 key (base64) and its value.

The AI formats come from the GS1 General Specifications (the same tables as GS1's
reference implementation, Apache-2.0). The reference decoder drops leading zeros of numeric
values whose length is encoded; here the encoded length is kept, so ``007`` stays ``007``.
"""

from __future__ import annotations

import math
import re
from typing import Final, NamedTuple
from urllib.parse import quote

from traceability.resolver.digital_link import BadDigitalLink

ALPHABET: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SEGMENT = re.compile(r"[A-Za-z0-9_-]{10,400}")
"""A compressed segment: the shortest (a GTIN alone) takes 10 characters."""
_HEX: Final = "0123456789ABCDEF"


class NotCompressed(BadDigitalLink):
    """These characters are not a compressed GS1 Digital Link."""


class Part(NamedTuple):
    numeric: bool
    length: int
    fixed: bool


# AI -> its components ("N13+X..17": 13 digits, then up to 17 characters).
_FORMAT_OF: Final[dict[str, str]] = {
    "00": "N18", "01": "N14", "02": "N14", "10": "X..20", "11": "N6", "12": "N6", "13": "N6",
    "15": "N6", "16": "N6", "17": "N6", "20": "N2", "21": "X..20", "22": "X..20", "235": "N3+X..28",
    "240": "X..30", "241": "X..30", "242": "N..6", "243": "X..20", "250": "X..30",
    "251": "X..30", "253": "N13+X..17", "254": "X..20", "255": "N13+N..12", "30": "N..8",
    "37": "N..8", "400": "X..30", "401": "X..30", "402": "N17", "403": "X..30", "420": "X..20",
    "421": "N3+X..9", "422": "N3", "423": "N3+N..12", "424": "N3", "425": "N3+N..12",
    "426": "N3", "427": "X..3", "4300": "X..35", "4301": "X..35", "4307": "X2", "4308": "X..30",
    "4309": "N20", "4310": "X..35", "4311": "X..35", "4317": "X2", "4318": "X..20",
    "4319": "X..30", "4320": "X..35", "4321": "N1", "4322": "N1", "4323": "N1", "4324": "N10",
    "4325": "N10", "4326": "N6", "7001": "N13", "7002": "X..30", "7003": "N10", "7004": "N..4",
    "7005": "X..12", "7006": "N6", "7007": "N6+N..6", "7008": "X..3", "7009": "X..10",
    "7010": "X..2", "7020": "X..20", "7021": "X..20", "7022": "X..20", "7023": "X..30",
    "7040": "N1+X3", "710": "X..20", "711": "X..20", "712": "X..20", "713": "X..20",
    "714": "X..20", "7240": "X..20", "8001": "N14", "8002": "X..20", "8003": "N14+X..16",
    "8004": "X..30", "8005": "N6", "8006": "N18", "8007": "X..24", "8008": "N8+N..4",
    "8009": "X..50", "8010": "X..30", "8011": "N..12", "8012": "X..20", "8013": "X..30",
    "8017": "N18", "8018": "N18", "8019": "N..10", "8020": "X..25", "8026": "N18",
    "8030": "X..90", "8110": "X..70", "8111": "N4", "8112": "X..70", "8200": "X..70",
    "90": "X..30",
}  # fmt: skip
_FORMAT_OF.update({ai: "X..70" for ai in ("4302", "4303", "4304", "4305", "4306")})
_FORMAT_OF.update({ai: "X..70" for ai in ("4312", "4313", "4314", "4315", "4316")})
_FORMAT_OF.update({f"41{n}": "N13" for n in range(8)})  # GLNs 410-417
_FORMAT_OF.update({f"9{n}": "X..90" for n in range(1, 10)})
for _n in range(10):
    _FORMAT_OF[f"703{_n}"] = "N3+X..27"  # approval numbers of processors
    _FORMAT_OF[f"723{_n}"] = "X..30"  # certification references
    _FORMAT_OF[f"395{_n}"] = "N6"
    _FORMAT_OF[f"390{_n}"] = _FORMAT_OF[f"392{_n}"] = "N..15"  # amounts
    _FORMAT_OF[f"391{_n}"] = _FORMAT_OF[f"393{_n}"] = "N3+N..15"  # amounts with currency
for _n in range(6):  # trade and logistic measures 310n-369n, n decimal places
    for _base in (*range(310, 317), *range(320, 338), *range(340, 358), *range(360, 370)):
        _FORMAT_OF[f"{_base}{_n}"] = "N6"
for _n in range(4):
    _FORMAT_OF[f"394{_n}"] = "N4"

# The first two digits of an AI tell how many digits it has.
_AI_DIGITS: Final = {prefix: 2 for prefix in ("00", "01", "02", "10", "11", "12", "13")}
_AI_DIGITS.update({p: 2 for p in ("15", "16", "17", "20", "21", "22", "30", "37")})
_AI_DIGITS.update({p: 3 for p in ("23", "24", "25", "40", "41", "42", "71")})
_AI_DIGITS.update({p: 4 for p in ("31", "32", "33", "34", "35", "36", "39", "43", "70", "72")})
_AI_DIGITS.update({p: 4 for p in ("80", "81", "82")})
_AI_DIGITS.update({f"9{n}": 2 for n in range(10)})

# One byte for a common sequence of AIs (hex code -> AIs, values in this order).
_SEQUENCES: Final[dict[str, tuple[str, ...]]] = {
    "0A": ("01", "22"), "0B": ("01", "10"), "0C": ("01", "21"), "0D": ("01", "17"),
    "0E": ("01", "7003"), "0F": ("01", "30"), "1A": ("01", "10", "21", "17"),
    "1B": ("01", "15"), "1C": ("01", "11"), "1D": ("01", "16"), "1E": ("01", "91"),
    "1F": ("01", "10", "15"), "9A": ("8010", "8011"), "9B": ("8017", "8019"),
    "9C": ("8018", "8019"), "9D": ("414", "254"),
}  # fmt: skip
for _n in range(6):
    _SEQUENCES[f"2{'ABCDEF'[_n]}"] = ("01", f"310{_n}")
    _SEQUENCES[f"3{'ABCDEF'[_n]}"] = ("01", f"320{_n}")
for _n in range(10):
    _SEQUENCES[f"A{_n}"] = ("01", f"392{_n}")
    _SEQUENCES[f"C{_n}"] = ("255", f"390{_n}")
for _n in range(4):
    _SEQUENCES[f"C{'ABCD'[_n]}"] = ("255", f"394{_n}")


def _parts(text: str) -> tuple[Part, ...]:
    found = []
    for piece in text.split("+"):
        kind, length = piece[0], piece[1:]
        found.append(Part(kind == "N", int(length.lstrip(".")), not length.startswith("..")))
    return tuple(found)


FORMATS: Final = {ai: _parts(text) for ai, text in _FORMAT_OF.items()}


def length_bits(maximum: int) -> int:
    """Bits of the length of a value of up to ``maximum`` characters."""
    return math.ceil(math.log2(maximum) + 0.01)


def number_bits(digits: int) -> int:
    """Bits of a number of ``digits`` decimal digits."""
    return math.ceil(digits * math.log2(10) + 0.01)


class _Bits:
    def __init__(self, segment: str) -> None:
        self.text = "".join(f"{ALPHABET.index(c):06b}" for c in segment)
        self.at = 0

    def take(self, count: int) -> int:
        if self.at + count > len(self.text):
            raise NotCompressed("The compressed Digital Link ends in the middle of a value.")
        value = int(self.text[self.at : self.at + count] or "0", 2)
        self.at += count
        return value

    def left(self) -> int:
        return len(self.text) - self.at

    def digit(self) -> str:
        value = self.take(4)
        if value > 9:
            raise NotCompressed("An application identifier in it is not numeric.")
        return str(value)


def _characters(bits: _Bits, encoding: int, count: int) -> str:
    if encoding == 0:
        return str(bits.take(number_bits(count))).zfill(count) if count else ""
    if encoding in (1, 2):
        text = "".join(_HEX[bits.take(4)] for _ in range(count))
        return text.lower() if encoding == 1 else text
    if encoding == 3:
        return "".join(ALPHABET[bits.take(6)] for _ in range(count))
    if encoding == 4:
        return "".join(chr(bits.take(7)) for _ in range(count))
    raise NotCompressed(f"Unknown character encoding {encoding} in the compressed Digital Link.")


def _value(bits: _Bits, ai: str) -> str:
    parts = FORMATS.get(ai)
    if parts is None:
        raise NotCompressed(f"AI ({ai}) is not one this resolver can decompress.")
    value = ""
    for part in parts:
        if part.numeric:
            count = part.length if part.fixed else bits.take(length_bits(part.length))
            value += str(bits.take(number_bits(count))).zfill(count) if count else ""
        else:
            encoding = bits.take(3)
            count = part.length if part.fixed else bits.take(length_bits(part.length))
            value += _characters(bits, encoding, count)
    return value


def decompress(segment: str) -> list[tuple[str, str]]:
    """The (key, value) pairs a compressed segment holds, in its order; GS1 AIs are numeric.

    Raises ``NotCompressed`` when the characters are not a well-formed compressed link.
    """
    if not _SEGMENT.fullmatch(segment):
        raise NotCompressed("This is not a compressed GS1 Digital Link.")
    bits = _Bits(segment)
    pairs: list[tuple[str, str]] = []
    while bits.left() > 8:
        high, low = bits.take(4), bits.take(4)
        code = _HEX[high] + _HEX[low]
        if high <= 9 and low <= 9:
            digits = _AI_DIGITS.get(code)
            if digits is None:
                raise NotCompressed(f"No GS1 application identifier begins with {code}.")
            ai = code + "".join(bits.digit() for _ in range(digits - 2))
            pairs.append((ai, _value(bits, ai)))
        elif code in _SEQUENCES:
            pairs.extend((ai, _value(bits, ai)) for ai in _SEQUENCES[code])
        elif high == 0xF:
            size = low << 3 | bits.take(3)
            key = "".join(ALPHABET[bits.take(6)] for _ in range(size))
            encoding, count = bits.take(3), bits.take(7)
            pairs.append((key, _characters(bits, encoding, count)))
        else:
            raise NotCompressed(f"Unknown code {code} in the compressed Digital Link.")
    if bits.take(bits.left()) != 0:
        raise NotCompressed("The compressed Digital Link has stray bits at its end.")
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise NotCompressed("The compressed Digital Link names one key twice.")
    return pairs


def long_form(pairs: list[tuple[str, str]]) -> tuple[str, list[tuple[str, str]]] | None:
    """The uncompressed path (percent-encoded) and query pairs; None without a GTIN (AI 01).

    The path holds the GTIN and its qualifiers in their order (22, 10, 21), the query the
    other AIs in numeric order, then the non-GS1 keys as they came.
    """
    values = dict(pairs)
    if "01" not in values:
        return None
    path = f"/01/{quote(values['01'], safe='')}"
    for ai in ("22", "10", "21"):
        if ai in values:
            path += f"/{ai}/{quote(values[ai], safe='')}"
    attributes = sorted((k, v) for k, v in pairs if k.isdigit() and k not in _PATH_AIS)
    return path, [*attributes, *((k, v) for k, v in pairs if not k.isdigit())]


_PATH_AIS: Final = frozenset({"01", "22", "10", "21"})
