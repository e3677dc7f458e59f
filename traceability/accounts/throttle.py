"""Slowing down password guessing: failures per account and per network, within a window."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import asyncpg

from traceability.db.sql import queries_beside
from traceability.errors import TooManyRequests
from traceability.settings import Settings

Q = queries_beside(__file__)


class SignInThrottled(TooManyRequests):
    """Too many failed sign-ins; wait before trying again."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"Too many failed sign-ins. Try again in {minutes} minutes.", retry_minutes=minutes
        )
        self.minutes = minutes


async def check(
    conn: asyncpg.Connection, settings: Settings, login: str, network: str | None, now: datetime
) -> None:
    """Raise ``SignInThrottled`` while the account or the network is over its limit.

    Checked before the password is, so a locked account cannot be probed at all; the
    wait is until the oldest counted failure leaves the window.
    """
    window = timedelta(minutes=settings.sign_in_lockout_minutes)
    row = await conn.fetchrow(Q["sign_in_failures"], login, network, window)
    waits = []
    if row["login_failures"] >= settings.sign_in_max_failures_per_account:
        waits.append(row["login_oldest"] + window - now)
    if row["network_failures"] >= settings.sign_in_max_failures_per_network:
        waits.append(row["network_oldest"] + window - now)
    if waits:
        raise SignInThrottled(max(1, math.ceil(max(waits).total_seconds() / 60)))


async def record_failure(
    conn: asyncpg.Connection, settings: Settings, login: str, network: str | None
) -> None:
    await conn.execute(Q["insert_sign_in_failure"], login[:300], network)
    # Rows older than a few windows count for nothing: prune as we go, no job needed.
    await conn.execute(
        Q["prune_sign_in_failures"], timedelta(minutes=4 * settings.sign_in_lockout_minutes)
    )


async def clear(conn: asyncpg.Connection, login: str) -> None:
    """A successful sign-in forgives the account's earlier typing mistakes."""
    await conn.execute(Q["clear_sign_in_failures"], login)
