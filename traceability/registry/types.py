"""Constraints shared by the registry's input Structs, each with the message a person reads.

msgspec checks types, lengths and ranges; rules a regex alone cannot say clearly (check
digits, URL hosts, the planting-area code format) are checked in ``__post_init__`` through
the functions here, so that a 400 names the rule that was broken.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

import msgspec

from traceability.errors import InvalidInput

ShortText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=r"^\S(.*\S)?$",
        description="1–200 characters, no leading or trailing spaces",
    ),
]
LongText = Annotated[str, msgspec.Meta(max_length=5000)]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
TaxCode = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]{10}(-[0-9]{3})?$",
        description="Vietnamese tax code: 10 digits, or 10 + '-' + 3 for a branch",
        examples=["5100280733"],
    ),
]
Gln = Annotated[
    str,
    msgspec.Meta(
        min_length=13, max_length=13, description="GS1 GLN: 13 digits with a valid check digit"
    ),
]
Gtin = Annotated[
    str,
    msgspec.Meta(
        min_length=8,
        max_length=14,
        description=(
            "GTIN-8, -12, -13 or -14 with a valid GS1 check digit; stored and returned as "
            "GTIN-14 (left-padded with zeros, as GS1 Digital Link does)"
        ),
        examples=["08935000000015"],
    ),
]
PlantingAreaCode = Annotated[
    str,
    msgspec.Meta(
        min_length=10,
        max_length=40,
        description="Decision 3156/QĐ-BNN-TT: VN-<province>-<district>-<commune>-<seq>-<YY>",
        examples=["VN-HG-BQ-VH-001-24"],
    ),
]
Phone = Annotated[
    str, msgspec.Meta(pattern=r"^\+?[0-9 ().-]{6,20}$", examples=["+84 219 3812 345"])
]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
HttpsUrl = Annotated[
    str, msgspec.Meta(max_length=2000, description="An https:// URL on a public host name")
]
Quantity = Annotated[float, msgspec.Meta(gt=0, lt=1e11)]
AreaHectares = Annotated[float, msgspec.Meta(gt=0, lt=100000)]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PLANTING_AREA_CODE = re.compile(
    r"VN-[A-Z0-9]{1,6}-[A-Z0-9]{1,6}-[A-Z0-9]{1,8}-[0-9]{1,4}-[0-9]{2}"
)
_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit of the digits before it."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def to_gtin14(code: str) -> str:
    """A GTIN-8/12/13/14 as GTIN-14, or ValueError saying what is wrong with it."""
    if not (code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14)):
        raise ValueError("A GTIN has 8, 12, 13 or 14 digits")
    expected = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise ValueError(f"GTIN {code} has a wrong check digit (expected {expected})")
    return code.rjust(14, "0")


def check_gln(code: str) -> str:
    if not (code.isascii() and code.isdigit() and len(code) == 13):
        raise ValueError("A GLN has 13 digits")
    expected = gs1_check_digit(code[:-1])
    if int(code[-1]) != expected:
        raise ValueError(f"GLN {code} has a wrong check digit (expected {expected})")
    return code


def check_planting_area_code(code: str) -> str:
    code = code.upper()
    if not _PLANTING_AREA_CODE.fullmatch(code):
        raise ValueError(
            "A planting area code has the form VN-<province>-<district>-<commune>-<seq>-<YY> "
            "(Decision 3156/QĐ-BNN-TT), e.g. VN-HG-BQ-VH-001-24"
        )
    return code


def check_https_url(url: str) -> str:
    """An https URL on a real public host name; anything a browser could misuse is refused."""
    parts = urlsplit(url)
    if parts.scheme != "https" or url[:8].lower() != "https://":
        raise ValueError("The URL must start with https://")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The URL must not carry a user name or password")
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except (UnicodeError, ValueError) as exc:
        raise ValueError("The URL's host name is not valid") from exc
    if any(c.isspace() for c in url) or _CONTROL.search(url):
        raise ValueError("The URL must not contain spaces or control characters")
    labels = host.split(".")
    if (
        len(labels) < 2
        or _is_ip(host)
        or not all(_HOST_LABEL.fullmatch(label) for label in labels)
        or not labels[-1].isalpha()
        or len(host) > 253
    ):
        raise ValueError("The URL must name a public host, e.g. https://voso.vn/…")
    return url


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_location(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise ValueError("Give latitude and longitude together, or neither")


def check_dates(first: date | None, then: date | None, message: str, *, strict: bool) -> None:
    if first is None or then is None:
        return
    if then < first or (strict and then == first):
        raise ValueError(message)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later; the 29th–31st fall back to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


S = TypeVar("S", bound=msgspec.Struct)


def apply_patch(current: msgspec.Struct, patch: msgspec.Struct, target: type[S]) -> S:
    """The record as it would be after ``patch``, validated by the create Struct ``target``.

    Cross-field rules (dates in order, score matching stars) then hold for the merged
    record, not just the fields sent; a break is 422, as the request is well-formed.
    """
    values = {
        name: getattr(current, name) for name in target.__struct_fields__ if hasattr(current, name)
    }
    for name in patch.__struct_fields__:
        value = getattr(patch, name)
        if value is not msgspec.UNSET:
            values[name] = value
    try:
        return msgspec.convert(values, target)
    except msgspec.ValidationError as exc:
        raise InvalidInput(str(exc)) from exc


def changed(patch: msgspec.Struct) -> list[str]:
    return [n for n in patch.__struct_fields__ if getattr(patch, n) is not msgspec.UNSET]
