"""The authority's subsidy pages: orders waiting for approval, every order with its shares
and payment, yearly budgets per cooperative, statements to download.

Each form calls the same service as ``/api/v1/subsidy`` and ``/api/v1/stamp-batches/…``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, PathParameter

from traceability import clock
from traceability.cancellations import service as cancellations
from traceability.cancellations.schemas import CancellationDecision
from traceability.deps import AppSettings, Conn, OnCommit
from traceability.errors import NotFound
from traceability.inputs import PathId
from traceability.portal.forms import Form, bind, read_form
from traceability.portal.i18n import N_
from traceability.portal.web import OFFICIAL, Official, redirect, render
from traceability.registry.types import ShortText
from traceability.scanning.service import Cache
from traceability.subsidy import service, statements
from traceability.subsidy.schemas import (
    ApprovalDecision,
    BudgetSet,
    OrderLine,
    PaymentRecord,
)

PAGE = 50
APPROVALS: Final = {
    "waiting": N_("Waiting for approval"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
    "not_needed": N_("Within budget"),
}


CANCELLATION_STATES: Final = {
    "open": N_("waiting for you"),
    "withdrawn": N_("withdrawn by the cooperative"),
    "approved": N_("approved: the order is cancelled"),
    "rejected": N_("rejected"),
}


class RejectFields(msgspec.Struct, frozen=True):
    reason: ShortText


class StatementPeriod(msgspec.Struct, frozen=True):
    since: date
    until: date
    cooperative_id: int | None = None


class OrderFilter(msgspec.Struct, frozen=True):
    approval: str | None = None
    cooperative_id: int | None = None
    before: int | None = None


async def _order(conn: Conn, official: Official, batch_id: int) -> OrderLine:
    found = await service.orders(conn, official.principal, before=batch_id + 1, limit=1)
    if not found or found[0].batch_id != batch_id:
        raise NotFound("No stamp order %(batch)s.", params={"batch": batch_id})
    return found[0]


async def _choices(conn: Conn) -> list[tuple[int, str]]:
    rows = await conn.fetch("SELECT id, name FROM cooperatives ORDER BY name, id")
    return [(r["id"], r["name"]) for r in rows]


@get("/subsidy", summary="Subsidy: orders waiting, the year's figures", dependencies=OFFICIAL)
async def subsidy_page(conn: Conn, official: Official) -> Any:
    year = clock.today().year
    waiting = await service.orders(conn, official.principal, approval="waiting", limit=200)
    today = clock.today()
    period = Form[Any](
        official.t,
        {"since": official.t.date(today.replace(day=1)), "until": official.t.date(today)},
    )
    return render(
        official,
        "subsidy/overview.html",
        figures=await service.year_figures(conn, year),
        waiting=waiting,
        cancellations=await cancellations.listed(
            conn, official.principal, status="open", limit=200
        ),
        period=period,
        cooperatives=await _choices(conn),
    )


@get("/subsidy/orders", summary="Every stamp order, newest first", dependencies=OFFICIAL)
async def orders_page(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    form = bind(OrderFilter, dict(request.query_params), official.t)
    chosen = form.data if form.ok else OrderFilter()
    approval = chosen.approval if chosen.approval in APPROVALS else None
    found = await service.orders(
        conn,
        official.principal,
        approval=approval,  # type: ignore[arg-type]
        cooperative_id=chosen.cooperative_id,
        before=chosen.before,
        limit=PAGE,
    )
    return render(
        official,
        "subsidy/orders.html",
        orders=found,
        form=form,
        approvals=APPROVALS,
        cooperatives=await _choices(conn),
        more=found[-1].batch_id if len(found) == PAGE else None,
    )


async def _order_page(
    conn: Conn,
    official: Official,
    batch_id: int,
    *,
    reject: Form[Any] | None = None,
    payment: Form[Any] | None = None,
    cancellation: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    order = await _order(conn, official, batch_id)
    requests = await cancellations.of_order(conn, official.principal, batch_id)
    t = official.t
    budgets = await service.budgets(
        conn, official.principal, official.settings, clock.today(order.ordered_at).year,
        order.cooperative_id,
    )  # fmt: skip
    return render(
        official,
        "subsidy/order.html",
        order=order,
        budget=budgets[0] if budgets else None,
        approvals=APPROVALS,
        reject=reject or Form[Any](t),
        requests=requests,
        open_request=next((r for r in requests if r.status == "open"), None),
        cancellation=cancellation or Form[Any](t),
        cancellation_states=CANCELLATION_STATES,
        payment=payment
        or Form[Any](
            t,
            {
                "paid_on": t.date(order.paid_on or clock.today()),
                "reference": order.payment_reference or "",
            },
        ),
        status=status,
    )


@get("/subsidy/orders/{batch_id:int}", summary="A stamp order's shares", dependencies=OFFICIAL)
async def order_page(conn: Conn, official: Official, batch_id: PathId) -> Any:
    return await _order_page(conn, official, batch_id)


@post("/subsidy/orders/{batch_id:int}/approve", summary="Approve an order", dependencies=OFFICIAL)
async def approve_order(conn: Conn, official: Official, batch_id: PathId) -> Any:
    await service.decide(conn, official.principal, batch_id, ApprovalDecision(decision="approved"))
    return redirect(official, f"/portal/subsidy/orders/{batch_id}", notice="order_approved")


@post("/subsidy/orders/{batch_id:int}/reject", summary="Reject an order", dependencies=OFFICIAL)
async def reject_order(
    request: Request[Any, Any, Any], conn: Conn, official: Official, batch_id: PathId
) -> Any:
    form = await read_form(request, RejectFields, official.t)
    decided = await form.run(
        conn,
        lambda data: service.decide(
            conn,
            official.principal,
            batch_id,
            ApprovalDecision(decision="rejected", reason=data.reason),
        ),
    )
    if decided is None:
        return await _order_page(conn, official, batch_id, reject=form, status=422)
    return redirect(official, f"/portal/subsidy/orders/{batch_id}", notice="order_rejected")


class CancellationFields(msgspec.Struct, frozen=True):
    reason: ShortText | None = None


@post(
    "/subsidy/orders/{batch_id:int}/cancellation/{decision:str}",
    summary="Approve or reject a request to cancel a printed order",
    dependencies=OFFICIAL,
)
async def decide_cancellation(
    request: Request[Any, Any, Any],
    conn: Conn,
    official: Official,
    cache: Cache,
    after_commit: OnCommit,
    batch_id: PathId,
    decision: FromPath[str],
) -> Any:
    if decision not in ("approve", "reject"):
        raise NotFound("No such action.")
    form = await read_form(request, CancellationFields, official.t)
    decided = await form.run(
        conn,
        lambda data: cancellations.decide(
            conn,
            official.principal,
            batch_id,
            CancellationDecision(
                decision="approved" if decision == "approve" else "rejected", reason=data.reason
            ),
        ),
    )
    if decided is None:
        return await _order_page(conn, official, batch_id, cancellation=form, status=422)
    after_commit(lambda: cache.forget_batches({batch_id}))
    return redirect(
        official,
        f"/portal/subsidy/orders/{batch_id}",
        notice=f"cancellation_{decided.status}",
    )


@post(
    "/subsidy/orders/{batch_id:int}/payment",
    summary="Mark the cooperative's share paid",
    dependencies=OFFICIAL,
)
async def record_payment(
    request: Request[Any, Any, Any], conn: Conn, official: Official, batch_id: PathId
) -> Any:
    form = await read_form(request, PaymentRecord, official.t)
    paid = await form.run(
        conn, lambda data: service.record_payment(conn, official.principal, batch_id, data)
    )
    if paid is None:
        return await _order_page(conn, official, batch_id, payment=form, status=422)
    return redirect(official, f"/portal/subsidy/orders/{batch_id}", notice="payment_recorded")


@post(
    "/subsidy/orders/{batch_id:int}/payment/clear",
    summary="Undo a payment marked by mistake",
    dependencies=OFFICIAL,
)
async def clear_payment(conn: Conn, official: Official, batch_id: PathId) -> Any:
    await service.clear_payment(conn, official.principal, batch_id)
    return redirect(official, f"/portal/subsidy/orders/{batch_id}", notice="payment_cleared")


class YearChoice(msgspec.Struct, frozen=True):
    year: int | None = None


async def _budgets_page(
    conn: Conn,
    official: Official,
    settings: AppSettings,
    year: int,
    *,
    failed: tuple[int, Form[Any]] | None = None,
    status: int = 200,
) -> Any:
    budgets = await service.budgets(conn, official.principal, settings, year)
    return render(
        official,
        "subsidy/budgets.html",
        year=year,
        budgets=budgets,
        failed=failed,
        default_budget=settings.subsidy_budget_default_vnd,
        status=status,
    )


@get("/subsidy/budgets", summary="Yearly subsidy budgets", dependencies=OFFICIAL)
async def budgets_page(
    request: Request[Any, Any, Any], conn: Conn, official: Official, settings: AppSettings
) -> Any:
    chosen = bind(YearChoice, dict(request.query_params), official.t)
    year = chosen.data.year if chosen.ok and chosen.data.year else clock.today().year
    if not 2000 <= year <= 2200:
        year = clock.today().year
    return await _budgets_page(conn, official, settings, year)


@post(
    "/subsidy/budgets/{cooperative_id:int}/{year:int}",
    summary="Set a cooperative's budget for a year",
    dependencies=OFFICIAL,
)
async def set_budget(
    request: Request[Any, Any, Any],
    conn: Conn,
    official: Official,
    settings: AppSettings,
    cooperative_id: PathId,
    year: Annotated[int, PathParameter(ge=2000, le=2200)],
) -> Any:
    form = await read_form(request, BudgetSet, official.t)
    done = await form.run(
        conn,
        lambda data: service.set_budget(
            conn, official.principal, settings, cooperative_id, year, data
        ),
    )
    if done is None:
        return await _budgets_page(
            conn, official, settings, year, failed=(cooperative_id, form), status=422
        )
    return redirect(
        official, f"/portal/subsidy/budgets?year={year}#budget-{cooperative_id}", notice="saved"
    )


async def _statement(
    request: Request[Any, Any, Any], conn: Conn, official: Official
) -> tuple[Form[StatementPeriod], Any]:
    form = bind(StatementPeriod, dict(request.query_params), official.t)
    if not form.ok:
        return form, None
    found = await form.run(
        conn,
        lambda period: service.statement(
            conn, official.principal, period.since, period.until, period.cooperative_id
        ),
    )
    return form, found


@get("/subsidy/statement", summary="A statement for a period", dependencies=OFFICIAL)
async def statement_page(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    form, found = await _statement(request, conn, official)
    return render(
        official,
        "subsidy/statement.html",
        period=form,
        statement=found,
        query=request.url.query,
        cooperatives=await _choices(conn),
        status=200 if found is not None or not request.query_params else 422,
    )


@get(
    "/subsidy/statement/{kind:str}",
    summary="A statement as a file (xlsx or csv)",
    dependencies=OFFICIAL,
)
async def statement_file(
    request: Request[Any, Any, Any], conn: Conn, official: Official, kind: FromPath[str]
) -> Any:
    if kind not in ("xlsx", "csv"):
        raise NotFound("No such file.")
    form, found = await _statement(request, conn, official)
    if found is None:
        return render(
            official,
            "subsidy/statement.html",
            period=form,
            statement=None,
            query="",
            cooperatives=await _choices(conn),
            status=422,
        )
    if kind == "csv":
        body, media = statements.statement_csv(found), "text/csv; charset=utf-8"
    else:
        body, media = statements.statement_xlsx(found), statements.XLSX_MEDIA
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{statements.filename(found, kind)}"',
            "Cache-Control": "no-store",
        },
    )


HANDLERS = [
    subsidy_page,
    orders_page,
    order_page,
    approve_order,
    reject_order,
    decide_cancellation,
    record_payment,
    clear_payment,
    budgets_page,
    set_budget,
    statement_page,
    statement_file,
]
