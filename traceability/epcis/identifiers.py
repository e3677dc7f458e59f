"""GS1 identifiers in EPCIS: EPC URNs and GS1 Digital Link URIs to one canonical form.

CBV 2.0's event hash (rules 17 and 18) writes every identifier as a *constrained canonical
GS1 Digital Link URI*: ``https://id.gs1.org``, no query string, and only the finest level of
identification (a serial drops the lot; the consumer product variant, AI 22, goes). Capture
uses the same form to recognise our own lots and stamps whatever notation a sender used:
``urn:epc:id:sgtin:…``, ``urn:epc:class:lgtin:…`` or a Digital Link on any host.

The EPC URN layouts are those of GS1's EPC Tag Data Standard: a GS1 company prefix of 6–12
digits, then the rest of the key, split by dots. Serial-like fields keep the URN's own
percent-escapes; the characters the URN allows raw but a Digital Link path must escape
(``! ( ) * + , :``) are escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from traceability.registry.types import gs1_check_digit

CANONICAL_HOST = "https://id.gs1.org"

# What a URN serial may hold: GS1's character set 82 as the EPC TDS writes it (with %-escapes).
_URN_CHAR = r"(?:%[0-9A-Fa-f]{2}|[!')(*+,.0-9:;=A-Za-z_-])"
_ESCAPE = {"!": "%21", "(": "%28", ")": "%29", "*": "%2A", "+": "%2B", ",": "%2C", ":": "%3A"}


def _escape(text: str) -> str:
    return "".join(_ESCAPE.get(c, c) for c in text)


def check_digit(body: str) -> str:
    """The GS1 check digit of ``body`` (a key without it), as the digit a URI writes."""
    return str(gs1_check_digit(body))


def _gtin(prefix: str, item: str) -> str:
    """GTIN-14 from an SGTIN's company prefix and indicator+item reference (13 digits)."""
    body = item[:1] + prefix + item[1:]
    return body + check_digit(body)


def _urn_fields(text: str, scheme: str, count: int) -> list[str] | None:
    """The dot-separated fields of ``urn:epc:<scheme>:…``; the last may itself hold dots."""
    head = f"urn:epc:{scheme}:"
    if not text.startswith(head):
        return None
    fields = text[len(head) :].split(".", count - 1)
    return fields if len(fields) == count else None


def _company(prefix: str, rest: str, total: int) -> bool:
    """A 6–12 digit company prefix followed by digits making ``total`` digits together."""
    return (
        6 <= len(prefix) <= 12
        and prefix.isdigit()
        and (rest.isdigit() or rest == "")
        and len(prefix) + len(rest) == total
    )


def _serial(text: str, longest: int) -> bool:
    return re.fullmatch(rf"{_URN_CHAR}{{1,{longest}}}", text) is not None


def _sgtin(text: str) -> str | None:
    f = _urn_fields(text, "id:sgtin", 3)
    if f is None or not _company(f[0], f[1], 13) or not _serial(f[2], 20):
        return None
    return f"/01/{_gtin(f[0], f[1])}/21/{_escape(f[2])}"


def _sscc(text: str) -> str | None:
    f = _urn_fields(text, "id:sscc", 2)
    if f is None or not _company(f[0], f[1], 17):
        return None
    body = f[1][:1] + f[0] + f[1][1:]
    return f"/00/{body}{check_digit(body)}"


def _sgln(text: str) -> str | None:
    f = _urn_fields(text, "id:sgln", 3)
    if f is None or not _company(f[0], f[1], 12) or not _serial(f[2], 20):
        return None
    gln = f[0] + f[1] + check_digit(f[0] + f[1])
    return f"/414/{gln}" if f[2] == "0" else f"/414/{gln}/254/{_escape(f[2])}"


def _grai(text: str) -> str | None:
    f = _urn_fields(text, "id:grai", 3)
    if f is None or not _company(f[0], f[1], 12) or not _serial(f[2], 16):
        return None
    body = "0" + f[0] + f[1]
    return f"/8003/{body}{check_digit(body)}{_escape(f[2])}"


def _giai(text: str) -> str | None:
    f = _urn_fields(text, "id:giai", 2)
    if f is None or not _company(f[0], "", len(f[0])) or not _serial(f[1], 30 - len(f[0])):
        return None
    return f"/8004/{f[0]}{_escape(f[1])}"


def _numeric_key(scheme: str, ai: str, total: int) -> Callable[[str], str | None]:
    """GSRN, GSRN-P, GSIN, PGLN: company prefix + reference, then a check digit."""

    def convert(text: str) -> str | None:
        f = _urn_fields(text, f"id:{scheme}", 2)
        if f is None or not _company(f[0], f[1], total):
            return None
        return f"/{ai}/{f[0]}{f[1]}{check_digit(f[0] + f[1])}"

    return convert


def _gdti(text: str) -> str | None:
    f = _urn_fields(text, "id:gdti", 3)
    if f is None or not _company(f[0], f[1], 12) or not _serial(f[2], 17):
        return None
    return f"/253/{f[0]}{f[1]}{check_digit(f[0] + f[1])}{_escape(f[2])}"


def _sgcn(text: str) -> str | None:
    f = _urn_fields(text, "id:sgcn", 3)
    if f is None or not _company(f[0], f[1], 12) or not re.fullmatch(r"[0-9]{1,12}", f[2]):
        return None
    return f"/255/{f[0]}{f[1]}{check_digit(f[0] + f[1])}{f[2]}"


def _cpi(text: str) -> str | None:
    head = "urn:epc:id:cpi:"
    if not text.startswith(head):
        return None
    body, _, serial = text[len(head) :].rpartition(".")
    prefix, _, reference = body.partition(".")
    if not (6 <= len(prefix) <= 12 and prefix.isdigit() and reference):
        return None
    if not re.fullmatch(r"[0-9]{1,12}", serial):
        return None
    return f"/8010/{_escape(prefix + reference)}/8011/{serial}"


def _ginc(text: str) -> str | None:
    f = _urn_fields(text, "id:ginc", 2)
    if f is None or not _company(f[0], "", len(f[0])) or not _serial(f[1], 30 - len(f[0])):
        return None
    return f"/401/{f[0]}{_escape(f[1])}"


def _itip(text: str) -> str | None:
    f = _urn_fields(text, "id:itip", 5)
    if f is None or not _company(f[0], f[1], 13) or not _serial(f[4], 20):
        return None
    if not re.fullmatch(r"[0-9]{2}", f[2]) or not re.fullmatch(r"[0-9]{2}", f[3]):
        return None
    return f"/8006/{_gtin(f[0], f[1])}{f[2]}{f[3]}/21/{_escape(f[4])}"


def _upui(text: str) -> str | None:
    f = _urn_fields(text, "id:upui", 3)
    if f is None or not _company(f[0], f[1], 13) or not _serial(f[2], 28):
        return None
    return f"/01/{_gtin(f[0], f[1])}/235/{_escape(f[2])}"


def _lgtin(text: str) -> str | None:
    f = _urn_fields(text, "class:lgtin", 3)
    if f is None or not _company(f[0], f[1], 13) or not _serial(f[2], 20):
        return None
    return f"/01/{_gtin(f[0], f[1])}/10/{_escape(f[2])}"


def _pattern(
    scheme: str, count: int, build: Callable[[list[str]], str | None]
) -> Callable[[str], str | None]:
    """EPC ID pattern URIs (``urn:epc:idpat:…``) whose last field is ``*``: the class."""

    def convert(text: str) -> str | None:
        f = _urn_fields(text, f"idpat:{scheme}", count)
        if f is None or f[-1] != "*":
            return None
        return build(f)

    return convert


def _class_gtin(f: list[str]) -> str | None:
    return f"/01/{_gtin(f[0], f[1])}" if _company(f[0], f[1], 13) else None


def _class_itip(f: list[str]) -> str | None:
    if not _company(f[0], f[1], 13) or not (f[2] + f[3]).isdigit() or len(f[2] + f[3]) != 4:
        return None
    return f"/8006/{_gtin(f[0], f[1])}{f[2]}{f[3]}"


def _class_with_check(ai: str, lead: str) -> Callable[[list[str]], str | None]:
    def build(f: list[str]) -> str | None:
        if not _company(f[0], f[1], 12):
            return None
        body = lead + f[0] + f[1]
        return f"/{ai}/{body}{check_digit(body)}"

    return build


def _class_cpi(f: list[str]) -> str | None:
    return f"/8010/{_escape(f[0] + f[1])}" if 6 <= len(f[0]) <= 12 and f[0].isdigit() else None


_URNS: tuple[Callable[[str], str | None], ...] = (
    _sgtin,
    _sscc,
    _sgln,
    _grai,
    _giai,
    _numeric_key("gsrn", "8018", 17),
    _numeric_key("gsrnp", "8017", 17),
    _gdti,
    _cpi,
    _sgcn,
    _ginc,
    _numeric_key("gsin", "402", 16),
    _itip,
    _upui,
    _numeric_key("pgln", "417", 12),
    _lgtin,
    _pattern("sgtin", 3, _class_gtin),
    _pattern("grai", 3, _class_with_check("8003", "0")),
    _pattern("gdti", 3, _class_with_check("253", "")),
    _pattern("sgcn", 3, _class_with_check("255", "")),
    _pattern("cpi", 3, _class_cpi),
    _pattern("itip", 5, _class_itip),
    _pattern("upui", 3, _class_gtin),
)

# --- GS1 Digital Link URIs ---------------------------------------------------------------

_PRIMARY = {
    "00": "00", "sscc": "00", "01": "01", "gtin": "01", "253": "253", "gdti": "253",
    "255": "255", "gcn": "255", "401": "401", "ginc": "401", "402": "402", "gsin": "402",
    "414": "414", "gln": "414", "417": "417", "party": "417", "8003": "8003", "grai": "8003",
    "8004": "8004", "giai": "8004", "8006": "8006", "itip": "8006", "8010": "8010",
    "cpid": "8010", "8017": "8017", "gsrnp": "8017", "8018": "8018", "gsrn": "8018",
}  # fmt: skip
_QUALIFIER = {"cpv": "22", "lot": "10", "ser": "21"}
_SAFE = r"[\"'\-.0-9;<=>?A-Z_a-z]"
"""Characters a canonical path segment may hold unescaped (the reference's output check)."""

# The constrained canonical forms (CBV 2.0 §8.9.2 rule 18 (III)): key, then its qualifier.
_CANONICAL = [
    re.compile(p)
    for p in (
        r"/00/\d{18}",
        rf"/01/\d{{14}}(/21/{_SAFE}{{0,20}}|/10/{_SAFE}{{0,20}}|/235/{_SAFE}{{0,28}})?",
        rf"/253/\d{{13}}{_SAFE}{{0,17}}",
        r"/255/\d{13}\d{0,12}",
        rf"/401/{_SAFE}{{0,30}}",
        r"/402/\d{17}",
        rf"/414/\d{{13}}(/254/{_SAFE}{{0,20}})?",
        r"/417/\d{13}",
        rf"/8003/\d{{14}}{_SAFE}{{0,16}}",
        rf"/8004/{_SAFE}{{0,30}}",
        rf"/8006/\d{{18}}(/21/{_SAFE}{{0,20}}|/10/{_SAFE}{{0,20}})?",
        r"/8010/[#\-/0-9A-Z]{0,30}(/8011/\d{0,12})?",
        r"/8017/\d{18}",
        r"/8018/\d{18}",
    )
]


def _digital_link(text: str) -> str | None:
    match = re.match(r"^https?://[^/?#]*(/[^?#]*)", text, flags=re.IGNORECASE)
    if match is None:
        return None
    segments = match.group(1).split("/")[1:]
    start = next(
        (
            i
            for i, s in enumerate(segments[:-1])
            if s in _PRIMARY and re.match(r"\d{4}", segments[i + 1])
        ),
        None,
    )
    if start is None:
        return None
    if segments and segments[-1] == "":
        segments = segments[:-1]  # one trailing slash
    key = _PRIMARY[segments[start]]
    value = segments[start + 1]
    pairs = segments[start + 2 :]
    if len(pairs) % 2:
        return None
    qualifiers = {_QUALIFIER.get(a, a): v for a, v in zip(pairs[::2], pairs[1::2], strict=True)}
    if key == "01" and len(value) in (8, 12, 13):
        value = value.zfill(14)
    qualifiers.pop("22", None)  # the consumer product variant is not part of the identity
    if "21" in qualifiers:
        qualifiers.pop("10", None)  # only the finest level: a serial drops the lot
    path = f"/{key}/{value}" + "".join(f"/{a}/{v}" for a, v in qualifiers.items())
    if not any(p.fullmatch(path) for p in _CANONICAL):
        return None
    return CANONICAL_HOST + path


def canonical_digital_link(text: str) -> str | None:
    """The constrained canonical GS1 Digital Link for an EPC URN or Digital Link; else None.

    >>> canonical_digital_link("urn:epc:id:sgtin:0614141.107346.2017")
    'https://id.gs1.org/01/10614141073464/21/2017'
    """
    if "." not in text:
        return None  # neither a URN with fields nor a URI with a host
    if text.startswith("urn:epc:"):
        for convert in _URNS:
            path = convert(text)
            if path is not None:
                return CANONICAL_HOST + path
        return None
    return _digital_link(text)
