"""Budgets, approvals and payments in PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg

from traceability.db.sql import queries_beside

Q = queries_beside(__file__)

# The order-time budget check lives with the orders (stamping must not import subsidy).
from traceability.stamping.budget import budget_of as budget_of  # noqa: E402
from traceability.stamping.budget import insert_approval as insert_approval  # noqa: E402
from traceability.stamping.budget import lock_cooperative as lock_cooperative  # noqa: E402
from traceability.stamping.budget import subsidy_used as subsidy_used  # noqa: E402


async def approval_for_update(conn: asyncpg.Connection, batch_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["approval_for_update"], batch_id)
    return None if row is None else dict(row)


async def decide(
    conn: asyncpg.Connection,
    batch_id: int,
    decision: str,
    user_id: int | None,
    key_id: int | None,
    reason: str | None,
) -> bool:
    done: str = await conn.execute(Q["decide"], batch_id, decision, user_id, key_id, reason)
    return done == "UPDATE 1"


async def set_budget(
    conn: asyncpg.Connection, cooperative_id: int, year: int, budget_vnd: Decimal
) -> None:
    await conn.execute(Q["set_budget"], cooperative_id, year, budget_vnd)


async def budgets(
    conn: asyncpg.Connection,
    cooperative_id: int | None,
    year: int,
    span: tuple[datetime, datetime],
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        Q["budgets"], cooperative_id, span[0], span[1], year
    )
    return rows


async def payment_of(conn: asyncpg.Connection, batch_id: int) -> dict[str, Any] | None:
    row = await conn.fetchrow(Q["payment_of"], batch_id)
    return None if row is None else dict(row)


async def record_payment(
    conn: asyncpg.Connection,
    batch_id: int,
    paid_on: date,
    reference: str,
    amount_vnd: Decimal,
    user_id: int | None,
    key_id: int | None,
) -> None:
    await conn.execute(
        Q["record_payment"], batch_id, paid_on, reference, amount_vnd, user_id, key_id
    )


async def delete_payment(conn: asyncpg.Connection, batch_id: int) -> bool:
    done: str = await conn.execute(Q["delete_payment"], batch_id)
    return done == "DELETE 1"


async def statement_lines(
    conn: asyncpg.Connection, cooperative_id: int | None, span: tuple[datetime, datetime]
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        Q["statement_lines"], cooperative_id, span[0], span[1]
    )
    return rows


async def year_figures(
    conn: asyncpg.Connection, year: int, span: tuple[datetime, datetime]
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(Q["year_figures"], span[0], span[1], year)
    return row


async def orders(
    conn: asyncpg.Connection,
    approval: str | None,
    cooperative_id: int | None,
    before: int | None,
    limit: int,
) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        Q["orders"], approval, cooperative_id, before, limit
    )
    return rows
