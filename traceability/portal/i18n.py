"""Words and formats in the reader's language: Vietnamese first, English second.

Messages are written in English in the code and templates (``_("Sign in")``, marked with
``N_`` where they are defined but shown later) and translated by the Vietnamese catalog,
``locale/vi/*.po`` (one file per workspace, so engineers do not edit the same file).
A test extracts every message and fails when one has no Vietnamese translation.

Dates are dd/mm/yyyy in both languages (read and written), numbers and money follow the
language: 2.651 and 2.651 ₫ in Vietnamese, 2,651 and ₫2,651 in English.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

from babel import Locale, numbers
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po

from traceability.clock import VIETNAM

Lang = Literal["vi", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = ("vi", "en")
DEFAULT: Final[Lang] = "vi"
LOCALE_DIR: Final = Path(__file__).with_name("locale")

DATE_PATTERN: Final = "dd/MM/yyyy"
_DATE_INPUT = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")
_NUMBER_CHARACTERS = re.compile(r"^-?[0-9][0-9.,]*$")


def N_(message: str) -> str:
    """Mark a message for translation where it is defined; it is translated where shown."""
    return message


class Text:
    """A message and its parameters, translated when rendered: ``Text(N_("%(n)s left"), n=3)``."""

    __slots__ = ("message", "params")

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params: Mapping[str, Any] = params

    def __repr__(self) -> str:
        return f"Text({self.message!r}, **{dict(self.params)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (other.message, other.params) == (
            self.message,
            self.params,
        )

    def __hash__(self) -> int:
        return hash(self.message)


@functools.cache
def catalog(lang: Lang) -> Mapping[str, str]:
    """Every translated message of a language, from all its .po files (read once)."""
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / lang
    if not folder.is_dir():
        return messages
    for po in sorted(folder.glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale=lang):
                if message.id and message.string and not message.fuzzy:
                    key = message.id if isinstance(message.id, str) else message.id[0]
                    value = message.string if isinstance(message.string, str) else message.string[0]
                    if value:
                        messages[key] = value
    return messages


def choose(*candidates: str | None) -> Lang:
    """The first candidate that is a language we speak (a user's setting, a cookie, a query)."""
    for candidate in candidates:
        if candidate in LANGUAGES:
            return candidate
    return DEFAULT


def from_accept_language(header: str | None) -> Lang | None:
    for part in (header or "").split(","):
        primary = part.split(";", 1)[0].strip().lower().split("-", 1)[0]
        if primary in LANGUAGES:
            return primary
    return None


UNKNOWN_COUNTRY: Final = N_("Unknown country")


class ParseError(ValueError):
    """A value a person typed that is not in the expected form; ``text`` says how to type it."""

    def __init__(self, text: Text) -> None:
        super().__init__(text.message)
        self.text = text


@dataclass(frozen=True, slots=True)
class Translator:
    """One language's words and formats, for one request."""

    lang: Lang

    @property
    def locale(self) -> Locale:
        return _locale(self.lang)

    def gettext(self, message: str) -> str:
        return catalog(self.lang).get(message, message) if self.lang != "en" else message

    def __call__(self, message: str | Text, **params: Any) -> str:
        if isinstance(message, Text):
            params = {**message.params, **params}
            message = message.message
        text = self.gettext(message)
        return text % params if params else text

    # -- out ----------------------------------------------------------------------------

    def date(self, value: dt.date | dt.datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.astimezone(VIETNAM).date()
        return format_date(value, DATE_PATTERN, locale=self.locale)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(
            value.astimezone(VIETNAM), DATE_PATTERN + " HH:mm", locale=self.locale
        )

    def number(self, value: int | float | Decimal | None) -> str:
        if value is None:
            return ""
        return numbers.format_decimal(value, locale=self.locale)

    def money(self, value: int | float | Decimal | None) -> str:
        """Vietnamese đồng, no decimals: 2.651 ₫."""
        if value is None:
            return ""
        return numbers.format_currency(value, "VND", locale=self.locale, decimal_quantization=True)

    def country(self, code: str | None) -> str:
        """A country's name from its ISO code ("VN" -> "Việt Nam"); "ZZ" is unknown."""
        if not code or code == "ZZ":
            return self.gettext(UNKNOWN_COUNTRY)
        name: str = self.locale.territories.get(code, code)
        return name

    # -- in -----------------------------------------------------------------------------

    def parse_date(self, text: str) -> dt.date:
        """dd/mm/yyyy (also with dots or dashes), or yyyy-mm-dd as a date picker sends it."""
        match = _DATE_INPUT.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
        elif match := _ISO_DATE.match(text):
            year, month, day = (int(g) for g in match.groups())
        else:
            raise ParseError(Text(N_("Type a date as dd/mm/yyyy, for example 28/11/2026.")))
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ParseError(
                Text(N_("There is no such day: %(value)s."), value=text.strip())
            ) from None

    def parse_decimal(self, text: str) -> Decimal:
        """2.651,5 in Vietnamese, 2,651.5 in English (grouping checked: 2.5 is not a
        Vietnamese number, and the message says to type 2,5)."""
        cleaned = text.strip().replace(" ", "").replace("\u00a0", "")
        if not _NUMBER_CHARACTERS.match(cleaned):
            raise ParseError(self._number_example())
        try:
            return numbers.parse_decimal(cleaned, locale=self.locale, strict=True)
        except numbers.NumberFormatError:
            raise ParseError(self._number_example()) from None

    def _number_example(self) -> Text:
        return Text(
            N_("Type a number, for example %(example)s."), example=self.number(Decimal("2651.5"))
        )

    def parse_int(self, text: str) -> int:
        """A whole number, grouped as the language groups it: 2.000 or 2 000 in Vietnamese."""
        try:
            value = self.parse_decimal(text)
        except ParseError:
            raise ParseError(
                Text(N_("Type a whole number, for example %(example)s."), example=self.number(2000))
            ) from None
        if value != value.to_integral_value():
            raise ParseError(
                Text(N_("Type a whole number, for example %(example)s."), example=self.number(2000))
            )
        return int(value)


@functools.cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse("vi" if lang == "vi" else "en_GB")


def translator(lang: Lang) -> Translator:
    return Translator(lang)


__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "Lang",
    "ParseError",
    "Text",
    "Translator",
    "catalog",
    "choose",
    "from_accept_language",
    "translator",
]
