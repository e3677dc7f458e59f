"""Keyset pagination, the one paging module: an opaque cursor holds where the last page ended.

Unlike OFFSET, a keyset page costs the same on page 1 and page 10,000, and rows added
while someone pages through never make them see a row twice.

Two shapes of list use it:

- Lists in id order (API keys, audit, batches): the cursor holds the last row's id
  (``after_id`` / ``page_of``); lists in time order (suspicious stamps) hold its time and id
  (``after_time_and_id`` / ``page_of``).
- Registry lists sortable by a text key (name or code), ``created_at`` or ``id``, either way
  round (``keyset`` / ``page``): the cursor holds the sort, the last row's sort key and its id
  (the tie breaker). Each such query takes the same five parameters, ``Keyset.args()``.

Every cursor is decoded by ``decode_cursor`` into an exact shape: a cursor that is not one
this service gave out (bad base64, bad JSON, wrong types, numbers beyond 64 bits) is a 400.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any, Generic, Protocol, TypeVar

import msgspec
from litestar.params import QueryParameter

from traceability.errors import TraceabilityError
from traceability.inputs import INT64_MAX

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Rows per page")]
Cursor = Annotated[
    str | None, QueryParameter(max_length=500, description="next_cursor of the previous page")
]

_RowId = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]


class BadCursor(TraceabilityError):
    """The cursor is not one this service gave out."""

    slug = "bad-cursor"


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    next_cursor: str | None = None
    """Pass as ``?cursor=`` for the next page; absent on the last page."""


def encode_cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(values))).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: Any) -> Any:
    """The values a cursor holds, as ``shape`` (a tuple type); None for no cursor; else 400."""
    if cursor is None or cursor == "":
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=shape, strict=True)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise BadCursor() from exc


def after_id(cursor: str | None) -> int | None:
    """The id a cursor of an id-ordered list holds (None: from the start)."""
    values: tuple[int] | None = decode_cursor(cursor, tuple[_RowId])
    return None if values is None else values[0]


_TimeAndId = tuple[tuple[Annotated[datetime, msgspec.Meta(tz=True)], _RowId]]


def after_time_and_id(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, id) a cursor of a list in time order holds (None: from the start)."""
    values: tuple[tuple[datetime, int]] | None = decode_cursor(cursor, _TimeAndId)
    return None if values is None else values[0]


_TimeAndCount = tuple[Annotated[datetime, msgspec.Meta(tz=True)], _RowId]


def after_time_and_count(cursor: str | None) -> tuple[datetime, int] | None:
    """The (time, how many rows of that instant were served) a cursor of a list without row
    ids holds, newest first (None: from the start)."""
    values: tuple[datetime, int] | None = decode_cursor(cursor, _TimeAndCount)
    return values  # decode_cursor is typed Any: the annotation above is the check


def page_of(items: list[T], limit: int, key: Callable[[T], Any]) -> Page[T]:
    """A page of an id- (or time-and-id-) ordered list; a full page gets a cursor holding the
    last item's key."""
    return Page(items, encode_cursor(key(items[-1])) if len(items) == limit else None)


# ---------------------------------------------------------------------------------------
# Sortable registry lists


class Row(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def created_at(self) -> datetime: ...


R = TypeVar("R", bound=Row)


@dataclass(frozen=True, slots=True)
class Keyset:
    sort: str
    """As the client wrote it, e.g. ``-name``; the cursor must come from the same sort."""
    column: str
    """``key``, ``created_at`` or ``id``."""
    descending: bool
    after_key: str | None = None
    after_at: datetime | None = None
    after_id: int | None = None
    limit: int = DEFAULT_LIMIT

    def args(self) -> tuple[Any, ...]:
        """``$sort, $after_key, $after_at, $after_id, $limit`` (one extra row: is there more?)."""
        sort = ("-" if self.descending else "") + self.column
        return sort, self.after_key, self.after_at, self.after_id, self.limit + 1


_SortCursor = tuple[Annotated[str, msgspec.Meta(max_length=40)], str | None, _RowId]


def keyset(sort: str, text_key: str, cursor: str | None, limit: int) -> Keyset:
    """Read ``?sort=`` (``text_key`` is the name of the text sort, e.g. ``name``) and the cursor."""
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    column = "key" if field == text_key else field
    base = Keyset(sort, column, descending, limit=limit)
    values: tuple[str, str | None, int] | None = decode_cursor(cursor, _SortCursor)
    if values is None:
        return base
    cursor_sort, key, last_id = values
    foreign = BadCursor("The cursor is not one this service gave out for this sort order.")
    if cursor_sort != sort:
        raise foreign
    if column == "key" and key is not None:
        return replace(base, after_key=key, after_id=last_id)
    if column == "created_at" and key is not None:
        try:
            at = datetime.fromisoformat(key)
        except ValueError as exc:
            raise foreign from exc
        if at.tzinfo is None:
            raise foreign
        return replace(base, after_at=at, after_id=last_id)
    if column == "id" and key is None:
        return replace(base, after_id=last_id)
    raise foreign


def page(rows: Sequence[R], keys: Keyset, text_key: Callable[[R], str]) -> Page[R]:
    """The page to answer with, and a cursor if there are more rows after it."""
    items = list(rows[: keys.limit])
    if len(rows) <= keys.limit:
        return Page(items=items)
    last = items[-1]
    key: str | None = None
    if keys.column == "key":
        key = text_key(last)
    elif keys.column == "created_at":
        key = last.created_at.isoformat()
    return Page(items=items, next_cursor=encode_cursor(keys.sort, key, last.id))
