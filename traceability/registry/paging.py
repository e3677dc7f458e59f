"""Sorted keyset pagination for registry lists.

Every list can be sorted by a text key (name or code), by ``created_at`` or by ``id``, either
way round. The cursor holds the sort, the sort key of the last row and its id (the tie
breaker), so a page costs the same wherever it starts and no row is served twice.
Each list query takes the same four parameters, ``Keyset.args()``: the sort as one of
``key, -key, created_at, -created_at, id, -id`` and the last row's key, time and id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from traceability.errors import InvalidInput
from traceability.pagination import Page, check_limit, decode_cursor, encode_cursor

_FOREIGN = "The cursor is not one this service gave out for this sort order."


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
    limit: int = 50

    def args(self) -> tuple[Any, ...]:
        """``$sort, $after_key, $after_at, $after_id, $limit`` (one extra row: is there more?)."""
        sort = ("-" if self.descending else "") + self.column
        return sort, self.after_key, self.after_at, self.after_id, self.limit + 1


def keyset(sort: str, text_key: str, cursor: str | None, limit: int) -> Keyset:
    """Read ``?sort=`` (``text_key`` is the name of the text sort, e.g. ``name``) and the cursor."""
    descending = sort.startswith("-")
    field = sort.removeprefix("-")
    column = "key" if field == text_key else field
    base = Keyset(sort, column, descending, limit=check_limit(limit))
    values = decode_cursor(cursor, 3)
    if values is None:
        return base
    cursor_sort, key, last_id = values
    if cursor_sort != sort or not isinstance(last_id, int) or isinstance(last_id, bool):
        raise InvalidInput(_FOREIGN)
    if column == "key" and isinstance(key, str):
        return _with(base, after_key=key, after_id=last_id)
    if column == "created_at" and isinstance(key, str):
        try:
            return _with(base, after_at=datetime.fromisoformat(key), after_id=last_id)
        except ValueError as exc:
            raise InvalidInput(_FOREIGN) from exc
    if column == "id" and key is None:
        return _with(base, after_id=last_id)
    raise InvalidInput(_FOREIGN)


def _with(base: Keyset, **values: Any) -> Keyset:
    return Keyset(base.sort, base.column, base.descending, limit=base.limit, **values)


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
