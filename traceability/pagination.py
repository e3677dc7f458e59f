"""Keyset pagination: an opaque cursor holds the sort key of the last row served.

Unlike OFFSET, a keyset page costs the same on page 1 and page 10,000, and rows added
while someone pages through never make them see a row twice.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from traceability.errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Rows per page")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=500, description="next_cursor of the previous page")
]


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    next_cursor: str | None = None
    """Pass as ``?cursor=`` for the next page; absent on the last page."""


def page_of(items: list[T], limit: int, key: Callable[[T], Any]) -> Page[T]:
    """A page of ``items``; a full page gets a cursor holding the last item's ``key``."""
    return Page(items, encode_cursor(key(items[-1])) if len(items) == limit else None)


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = msgspec.json.decode(raw)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise InvalidInput("The cursor is not one this service gave out.") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput("The cursor is not one this service gave out.")
    return values


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
    return limit
