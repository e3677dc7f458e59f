"""The subsidy over HTTP: budgets, approvals, payments and statements."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, post, put
from litestar.params import FromQuery, JSONBody, PathParameter, QueryParameter

from traceability import clock
from traceability.accounts.guards import AUTHORITY, WRITERS
from traceability.deps import AppSettings, Caller, Conn
from traceability.inputs import PathId, QueryId
from traceability.stamping.schemas import StampBatch
from traceability.subsidy import service, statements
from traceability.subsidy.schemas import (
    ApprovalDecision,
    Budget,
    BudgetSet,
    PaymentRecord,
    Statement,
    YearFigures,
)

YearParam = Annotated[int | None, QueryParameter(ge=2000, le=2200)]
StatementFormat = Literal["json", "csv", "xlsx"]


class SubsidyController(Controller):
    path = "/api/v1/subsidy"
    tags = ["subsidy"]
    guards = [WRITERS]

    @get("/budgets", summary="Yearly subsidy budgets: used, waiting for approval, remaining")
    async def list_budgets(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        year: YearParam = None,
    ) -> list[Budget]:
        return await service.budgets(conn, principal, settings, year or clock.today().year)

    @get(
        "/figures",
        guards=[AUTHORITY],
        summary="The province's year: stamps ordered, activated and subsidised; orders waiting",
    )
    async def year_figures(self, conn: Conn, year: YearParam = None) -> YearFigures:
        return await service.year_figures(conn, year or clock.today().year)

    @put(
        "/budgets/{cooperative_id:int}/{year:int}",
        guards=[AUTHORITY],
        summary="Set a cooperative's subsidy budget for a year (the authority)",
        description=(
            "Orders whose subsidy would take the cooperative's year past its budget wait "
            "for approval. Orders already placed keep their state."
        ),
    )
    async def set_budget(
        self,
        conn: Conn,
        principal: Caller,
        settings: AppSettings,
        cooperative_id: PathId,
        year: Annotated[int, PathParameter(ge=2000, le=2200)],
        data: JSONBody[BudgetSet],
    ) -> Budget:
        return await service.set_budget(conn, principal, settings, cooperative_id, year, data)

    @get(
        "/statement",
        summary="Who pays what for the orders of a period: JSON, CSV (UTF-8 BOM) or XLSX",
        description=(
            "Orders placed from `since` to `until` (Vietnam days, both included; default: "
            "this month) that the province pays its share of: those within budget or "
            "approved. `format=xlsx` gives a workbook with every order and a summary per "
            "cooperative, `format=csv` one line per order and a total line, with "
            "Vietnamese headers and whole đồng. A cooperative gets its own orders only."
        ),
        opt={"media_types": ("application/json", "text/csv", statements.XLSX_MEDIA)},
    )
    async def get_statement(
        self,
        conn: Conn,
        principal: Caller,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        cooperative_id: QueryId = None,
        format: FromQuery[StatementFormat] = "json",
    ) -> Response[Statement | bytes]:
        today = clock.today()
        found = await service.statement(
            conn,
            principal,
            since or today.replace(day=1),
            until or today,
            cooperative_id,
        )
        if format == "json":
            return Response(found)
        if format == "csv":
            body, media = statements.statement_csv(found), "text/csv; charset=utf-8"
        else:
            body, media = statements.statement_xlsx(found), statements.XLSX_MEDIA
        name = statements.filename(found, format)
        return Response(
            body,
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
            },
        )


class OrderDecisionController(Controller):
    """The authority's decisions on one stamp order."""

    path = "/api/v1/stamp-batches/{batch_id:int}"
    tags = ["subsidy"]
    guards = [AUTHORITY]

    @post(
        "/approval",
        status_code=200,
        summary="Approve or reject an order beyond its subsidy budget (the authority)",
        description=(
            "Only an order whose `approval` is `waiting` takes a decision; the same decision "
            "again answers the order unchanged, a different one is 409. A rejection needs a "
            "`reason`, which the cooperative reads."
        ),
    )
    async def decide_order(
        self,
        conn: Conn,
        principal: Caller,
        batch_id: PathId,
        data: JSONBody[ApprovalDecision],
    ) -> StampBatch:
        return await service.decide(conn, principal, batch_id, data)

    @put(
        "/payment",
        summary="Mark the cooperative's share of an order paid: the day and the reference",
    )
    async def record_payment(
        self,
        conn: Conn,
        principal: Caller,
        batch_id: PathId,
        data: JSONBody[PaymentRecord],
    ) -> StampBatch:
        return await service.record_payment(conn, principal, batch_id, data)

    @delete("/payment", status_code=200, summary="Undo a payment marked by mistake")
    async def clear_payment(self, conn: Conn, principal: Caller, batch_id: PathId) -> StampBatch:
        return await service.clear_payment(conn, principal, batch_id)
