"""The subsidy's rules, shared by the API and the authority's pages.

The province pays its share (``subsidy_share``, 60 % under the 2023 programme) of every
stamp order up to a yearly budget per cooperative. An order that would take the year past
the budget waits for the authority, who approves or rejects it; until approved its stamps
can be neither printed nor activated. The cooperative's own share is paid to the province
and marked paid here, and statements list what each side owes for a period.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import asyncpg

from traceability import clock
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.errors import Conflict, InvalidInput, NotFound
from traceability.registry.access import check_owner
from traceability.settings import Settings
from traceability.stamping import repository as stamps
from traceability.stamping.budget import on_order as on_order
from traceability.stamping.budget import year_span
from traceability.stamping.schemas import Approval, StampBatch
from traceability.subsidy import repository as repo
from traceability.subsidy.schemas import (
    ApprovalDecision,
    Budget,
    BudgetSet,
    OrderLine,
    PaymentRecord,
    Statement,
    StatementCooperative,
    StatementLine,
    YearFigures,
)

MAX_STATEMENT_DAYS = 3 * 366
"""A statement covers at most three years: a longer one is a mistake, not a report."""


async def _batch(conn: asyncpg.Connection, batch_id: int) -> StampBatch:
    batch = await stamps.get_batch(conn, batch_id)
    if batch is None:
        raise NotFound("No stamp order %(batch)s.", params={"batch": batch_id})
    return batch


async def decide(
    conn: asyncpg.Connection, principal: Principal, batch_id: int, data: ApprovalDecision
) -> StampBatch:
    """Approve or reject an order that waits. The same decision again changes nothing."""
    found = await repo.approval_for_update(conn, batch_id)
    before = await _batch(conn, batch_id)
    if found is None:
        raise Conflict(
            "Order %(batch)s fitted its cooperative's budget: it needs no approval.",
            params={"batch": batch_id},
        )
    if found["decision"] is None and before.cancelled_at is not None:
        raise Conflict(
            "Order %(batch)s was cancelled by its cooperative: there is nothing to decide.",
            params={"batch": batch_id},
        )
    if found["decision"] is not None:
        if found["decision"] == data.decision:
            return before
        raise Conflict(
            "Order %(batch)s was already decided (%(decision)s) and cannot be changed.",
            params={"batch": batch_id, "decision": found["decision"]},
        )
    await repo.decide(
        conn, batch_id, data.decision, principal.user_id, principal.key_id, data.reason
    )
    after = await _batch(conn, batch_id)
    await record(
        conn,
        principal,
        "approve" if data.decision == "approved" else "reject",
        "stamp_batch",
        batch_id,
        cooperative_id=before.cooperative_id,
        before=before,
        after=after,
    )
    return after


async def budgets(
    conn: asyncpg.Connection,
    principal: Principal,
    settings: Settings,
    year: int,
    cooperative_id: int | None = None,
) -> list[Budget]:
    """Each cooperative's budget for the year with what its orders used and what waits."""
    if principal.visible_cooperative() is not None:
        cooperative_id = principal.visible_cooperative()
    rows = await repo.budgets(conn, cooperative_id, year, year_span(year))
    found = []
    for r in rows:
        budget = r["budget_vnd"]
        limit = budget if budget is not None else settings.subsidy_budget_default_vnd
        found.append(
            Budget(
                cooperative_id=r["cooperative_id"],
                cooperative_name=r["cooperative_name"],
                year=year,
                budget_vnd=budget,
                used_vnd=r["used_vnd"],
                waiting_vnd=r["waiting_vnd"],
                remaining_vnd=None if limit is None else max(limit - r["used_vnd"], Decimal(0)),
                updated_at=r["updated_at"],
            )
        )
    return found


async def set_budget(
    conn: asyncpg.Connection,
    principal: Principal,
    settings: Settings,
    cooperative_id: int,
    year: int,
    data: BudgetSet,
) -> Budget:
    """Set (or change) a cooperative's budget for a year. Orders already placed keep their
    state: one that waits still needs a decision."""
    before = await budgets(conn, principal, settings, year, cooperative_id)
    if not before:
        raise NotFound("No cooperative %(id)s.", params={"id": cooperative_id})
    await repo.set_budget(conn, cooperative_id, year, Decimal(data.budget_vnd))
    (after,) = await budgets(conn, principal, settings, year, cooperative_id)
    await record(
        conn,
        principal,
        "set_budget",
        "subsidy_budget",
        f"{cooperative_id}/{year}",
        cooperative_id=cooperative_id,
        before=before[0],
        after=after,
    )
    return after


async def record_payment(
    conn: asyncpg.Connection,
    principal: Principal,
    batch_id: int,
    data: PaymentRecord,
    today: date | None = None,
) -> StampBatch:
    """Mark the cooperative's share of an order paid (again: the record is corrected)."""
    before = await _batch(conn, batch_id)
    if before.approval in ("waiting", "rejected"):
        raise Conflict(
            "Order %(batch)s is not one the province pays for (it is %(approval)s): "
            "there is no share to pay.",
            params={"batch": batch_id, "approval": before.approval},
        )
    if data.paid_on > (today or clock.today()):
        raise InvalidInput("A payment cannot be dated in the future.", field="paid_on")
    if data.paid_on < clock.today(before.created_at):
        raise InvalidInput("A payment cannot be dated before its order.", field="paid_on")
    await repo.record_payment(
        conn,
        batch_id,
        data.paid_on,
        data.reference,
        before.cooperative_vnd,
        principal.user_id,
        principal.key_id,
    )
    after = await _batch(conn, batch_id)
    await record(
        conn, principal, "record_payment", "stamp_batch", batch_id,
        cooperative_id=before.cooperative_id,
        before={"paid_on": before.paid_on, "reference": before.payment_reference},
        after={"paid_on": after.paid_on, "reference": after.payment_reference,
               "amount_vnd": after.cooperative_vnd},
    )  # fmt: skip
    return after


async def clear_payment(
    conn: asyncpg.Connection, principal: Principal, batch_id: int
) -> StampBatch:
    """Undo a payment marked by mistake (the audit log keeps what it said)."""
    before = await _batch(conn, batch_id)
    if not await repo.delete_payment(conn, batch_id):
        return before
    await record(
        conn, principal, "clear_payment", "stamp_batch", batch_id,
        cooperative_id=before.cooperative_id,
        before={"paid_on": before.paid_on, "reference": before.payment_reference},
    )  # fmt: skip
    return await _batch(conn, batch_id)


async def statement(
    conn: asyncpg.Connection,
    principal: Principal,
    since: date,
    until: date,
    cooperative_id: int | None = None,
) -> Statement:
    """What the province and the cooperatives pay for the orders placed from ``since`` to
    ``until`` (Vietnam days, both included); a cooperative sees only its own."""
    if until < since:
        raise InvalidInput("The period ends before it begins.", field="until")
    if (until - since).days >= MAX_STATEMENT_DAYS:
        raise InvalidInput("A statement covers at most three years.", field="since")
    if cooperative_id is not None:
        check_owner(principal, cooperative_id, f"No cooperative {cooperative_id}.")
    own = principal.visible_cooperative()
    rows = await repo.statement_lines(
        conn, own if own is not None else cooperative_id, clock.day_span(since, until)
    )
    lines = []
    for r in rows:
        total, subsidy, share = stamps.costs(r["quantity"], r["unit_price_vnd"], r["subsidy_share"])
        lines.append(
            StatementLine(
                batch_id=r["batch_id"],
                ordered_at=r["ordered_at"],
                cooperative_id=r["cooperative_id"],
                cooperative_name=r["cooperative_name"],
                tax_code=r["tax_code"],
                product_name=r["product_name"],
                quantity=r["quantity"],
                unit_price_vnd=r["unit_price_vnd"],
                total_vnd=total,
                subsidy_vnd=subsidy,
                cooperative_vnd=share,
                paid_on=r["paid_on"],
                payment_reference=r["payment_reference"],
            )
        )
    per: dict[int, list[StatementLine]] = {}
    for line in lines:
        per.setdefault(line.cooperative_id, []).append(line)
    cooperatives = [_summary(group) for group in per.values()]
    return Statement(
        since=since,
        until=until,
        lines=lines,
        cooperatives=cooperatives,
        orders=len(lines),
        stamps=sum(c.stamps for c in cooperatives),
        total_vnd=_sum(c.total_vnd for c in cooperatives),
        subsidy_vnd=_sum(c.subsidy_vnd for c in cooperatives),
        cooperative_vnd=_sum(c.cooperative_vnd for c in cooperatives),
        paid_vnd=_sum(c.paid_vnd for c in cooperatives),
        unpaid_vnd=_sum(c.unpaid_vnd for c in cooperatives),
    )


def _sum(values: object) -> Decimal:
    return sum(values, Decimal(0))  # type: ignore[call-overload,no-any-return]


def _summary(lines: list[StatementLine]) -> StatementCooperative:
    first = lines[0]
    share = _sum(line.cooperative_vnd for line in lines)
    paid = _sum(line.cooperative_vnd for line in lines if line.paid_on is not None)
    return StatementCooperative(
        cooperative_id=first.cooperative_id,
        cooperative_name=first.cooperative_name,
        tax_code=first.tax_code,
        orders=len(lines),
        stamps=sum(line.quantity for line in lines),
        total_vnd=_sum(line.total_vnd for line in lines),
        subsidy_vnd=_sum(line.subsidy_vnd for line in lines),
        cooperative_vnd=share,
        paid_vnd=paid,
        unpaid_vnd=share - paid,
    )


async def year_figures(conn: asyncpg.Connection, year: int) -> YearFigures:
    row = await repo.year_figures(conn, year, year_span(year))
    return YearFigures(year=year, **dict(row))


async def orders(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    approval: Approval | None = None,
    cooperative_id: int | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[OrderLine]:
    """Orders newest first with names and shares; a cooperative sees its own."""
    own = principal.visible_cooperative()
    rows = await repo.orders(
        conn, approval, own if own is not None else cooperative_id, before, limit
    )
    found = []
    for r in rows:
        values = dict(r)
        total, subsidy, share = stamps.costs(
            values["quantity"], values.pop("unit_price_vnd"), values.pop("subsidy_share")
        )
        found.append(
            OrderLine(**values, total_vnd=total, subsidy_vnd=subsidy, cooperative_vnd=share)
        )
    return found
