"""What the keys page and the admin command show of the signing keys."""

from __future__ import annotations

from datetime import datetime

import msgspec


class SigningKey(msgspec.Struct, frozen=True):
    """A key of the ring, with what it signed (its time in use)."""

    kid: str
    status: str
    """``active``, ``pending``, ``retired`` or ``revoked`` (revoked in the folder or in the
    database: a revocation recorded in either counts everywhere)."""
    signs: bool
    """The key that signs new orders' stamps now."""
    orders: int
    stamps: int
    first_order_at: datetime | None
    last_order_at: datetime | None


class Spread(msgspec.Struct, frozen=True):
    """The running workers, and those of them not holding the ring as it is saved."""

    running: int
    lagging: list[str]
    """Each lagging worker as ``pid=…@host from address``, for the person to find it."""
