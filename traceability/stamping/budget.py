"""The order-time check of the 60 / 40 subsidy: an order past its cooperative's yearly budget
waits for the authority's approval. It runs inside ``order_batch``, so it lives with the
orders; the authority's decisions, budgets and statements are ``traceability.subsidy``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import asyncpg

from traceability import clock
from traceability.accounts.repository import Principal
from traceability.settings import Settings
from traceability.stamping.repository import Q
from traceability.stamping.schemas import StampBatch


def year_span(year: int) -> tuple[datetime, datetime]:
    """The moments a Vietnam calendar year begins and ends (half-open)."""
    return clock.day_span(date(year, 1, 1), date(year, 12, 31))


async def lock_cooperative(conn: asyncpg.Connection, cooperative_id: int) -> bool:
    """Hold the cooperative's orders back until this transaction ends; False if it is gone."""
    name: str | None = await conn.fetchval(Q["lock_cooperative"], cooperative_id)
    return name is not None


async def budget_of(conn: asyncpg.Connection, cooperative_id: int, year: int) -> Decimal | None:
    budget: Decimal | None = await conn.fetchval(Q["budget_of"], cooperative_id, year)
    return budget


async def subsidy_used(
    conn: asyncpg.Connection,
    cooperative_id: int,
    span: tuple[datetime, datetime],
    *,
    waiting: bool = False,
    leaving_out: int | None = None,
) -> Decimal:
    used: Decimal = await conn.fetchval(
        Q["subsidy_used"],
        cooperative_id,
        span[0],
        span[1],
        "waiting" if waiting else "counted",
        leaving_out,
    )
    return used


async def insert_approval(
    conn: asyncpg.Connection,
    *,
    batch_id: int,
    year: int,
    budget_vnd: Decimal | None,
    used_vnd: Decimal,
    decision: str | None,
    user_id: int | None,
    key_id: int | None,
    reason: str | None,
) -> None:
    await conn.execute(
        Q["insert_approval"],
        batch_id,
        year,
        budget_vnd,
        used_vnd,
        decision,
        user_id if decision else None,
        key_id if decision else None,
        reason,
    )


async def on_order(
    conn: asyncpg.Connection, principal: Principal, settings: Settings, batch: StampBatch
) -> None:
    """Decide whether a new order fits its cooperative's budget; beyond it, it waits.

    The cooperative's row lock makes concurrent orders count each other. An order the
    authority itself places is approved at once (the decision is recorded as its own).
    """
    year = clock.today(batch.created_at).year
    await lock_cooperative(conn, batch.cooperative_id)
    budget = await budget_of(conn, batch.cooperative_id, year)
    if budget is None:
        budget = settings.subsidy_budget_default_vnd
    if budget is None:
        return
    used = await subsidy_used(conn, batch.cooperative_id, year_span(year), leaving_out=batch.id)
    if used + batch.subsidy_vnd <= budget:
        return
    decision = "approved" if principal.is_authority else None
    await insert_approval(
        conn,
        batch_id=batch.id,
        year=year,
        budget_vnd=budget,
        used_vnd=used,
        decision=decision,
        user_id=principal.user_id,
        key_id=principal.key_id,
        reason=None,
    )
