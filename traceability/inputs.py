"""What any request may carry, checked at the edge before a handler or the database sees it.

- Ids are positive 64-bit integers (the database's ``bigint``): a larger number in a path,
  query or body is a 400 naming the field, never a 500 from the database driver.
- Days lie between 1900 and 2199: year 1 or 9999 is a typing mistake or a probe, and would
  overflow date arithmetic later.
- Text is NFC and free of control, format (bidi, zero-width, soft hyphen, BOM), private-use,
  unassigned and noncharacter code points: what a consumer reads is what was typed.
- JSON bodies are decoded strictly into the handler's type (no "2000" for 2000), with
  duplicate keys, NaN and nesting deeper than ``MAX_JSON_DEPTH`` refused.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException
from litestar.params import PathParameter, QueryParameter
from litestar.types import Empty
from msgspec.structs import force_setattr

INT64_MAX = (1 << 63) - 1

Id = Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX, description="A record id")]
"""An id in a JSON body."""
PathId = Annotated[int, PathParameter(ge=1, le=INT64_MAX)]
"""An id in the path: ``lot_id: PathId``."""
PathSerial = Annotated[int, PathParameter(ge=0, le=INT64_MAX)]
"""A stamp's serial in the path (serials start at 0)."""
QueryId = Annotated[int | None, QueryParameter(ge=1, le=INT64_MAX)]
"""An optional id filter in the query string."""

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)


def check_day(value: date | datetime | None, field: str) -> None:
    """ValueError unless ``value`` lies between ``FIRST_DAY`` and ``LAST_DAY``."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{field} must lie between {FIRST_DAY} and {LAST_DAY}")


# Unicode general categories never stored: Cc control, Cf format (bidi controls, zero-width
# spaces and joiners, soft hyphen, BOM), Cs surrogates, Co private use, Cn unassigned and
# noncharacters, Zl/Zp line and paragraph separators.
_REFUSED_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))


def clean_text(field: str, value: str, multiline: bool = False) -> str:
    """``value`` in NFC; ValueError naming ``field`` if it holds an invisible or control character.

    Vietnamese typed on different keyboards arrives composed or decomposed ("ệ" as one code
    point or three); NFC makes equal names compare, sort and display equal. Multiline text
    keeps its line breaks (``\\r\\n`` becomes ``\\n``).
    """
    value = unicodedata.normalize("NFC", value)
    if multiline:
        value = value.replace("\r\n", "\n")
    for char in value:
        if char == "\n" and multiline:
            continue
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise ValueError(
                f"{field} must not contain control or invisible characters (U+{ord(char):04X})"
            )
    return value


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: unknown fields refused, text cleaned, days bounded.

    Every ``str`` field is NFC-normalised and refused if it holds an invisible or control
    character (``multiline`` fields may hold line breaks); every date and datetime field
    lies between ``FIRST_DAY`` and ``LAST_DAY``. Cross-field rules go in a subclass's
    ``__post_init__``, after ``super().__post_init__()``.
    """

    multiline: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if isinstance(value, str):
                force_setattr(self, name, clean_text(name, value, name in self.multiline))
            elif isinstance(value, date):
                check_day(value, name)


MAX_BODY_BYTES = 4 * 1024 * 1024
"""The largest body any route takes: 10,000 stamp URLs to verify are about 2.3 MB."""

MAX_JSON_DEPTH = 32
"""No request body of this API nests deeper than a few levels; 32 leaves room."""


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} appears twice in one object")
        found[key] = value
    return found


def _depth_ok(body: bytes) -> bool:
    """False if brackets nest deeper than ``MAX_JSON_DEPTH`` (strings are skipped)."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return False
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return True


def _bad_body(message: str) -> ValidationException:
    return ValidationException(
        detail="The request body is not valid",
        extra=[{"message": message, "source": "body"}],
    )


def decode_json_body(body: bytes, target: Any) -> Any:
    """``body`` decoded strictly as ``target`` (or as plain JSON when ``target`` is None)."""
    if not _depth_ok(body):
        raise _bad_body(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    try:
        # The standard parser sees what msgspec forgives: duplicate keys, NaN, Infinity.
        plain = json.loads(body, object_pairs_hook=_object, parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise _bad_body("The body is not valid UTF-8") from exc
    except (ValueError, RecursionError) as exc:
        raise _bad_body(f"Not valid JSON: {exc}") from exc
    if target is None:
        return plain
    try:
        return msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as exc:
        raise _bad_body(str(exc)) from exc
    except msgspec.DecodeError as exc:
        raise _bad_body(f"Not valid JSON: {exc}") from exc


class StrictRequest(Request[Any, Any, Any]):
    """A request whose JSON body is decoded strictly, into the type its handler declares.

    Litestar converts a decoded body to the handler's type with ``strict=False`` (query
    strings need that); a body would then turn ``"2000"`` into 2000. Decoding into the
    type here, strictly, hands Litestar a finished value it passes through unchanged.
    """

    async def json(self) -> Any:
        if self._json is Empty:
            body = await self.body()
            self._json = self._connection_state.json = (
                decode_json_body(body, _body_type(self)) if body else None
            )
        return self._json


def _body_type(request: Request[Any, Any, Any]) -> Any:
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return None
    annotation = data.annotation
    return None if annotation is Any else annotation
