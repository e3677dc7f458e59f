"""Stamp batches over HTTP: order, list, activate, revoke, report, download."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from stamps.layouts import DEFAULT_STOCK, STOCKS, LayoutError, choose_stock
from stamps.render import LabelText
from stamps.sheets import SheetLayout
from traceability.accounts.guards import WRITERS
from traceability.audit.repository import record
from traceability.deps import AppSettings, Caller, Conn, OnCommit
from traceability.errors import InvalidInput, NotFound
from traceability.inputs import PathId, QueryId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_id,
    page_of,
)
from traceability.scanning.service import Cache
from traceability.signing import Keys, signing_kid
from traceability.stamping import cost_csv, downloads, service
from traceability.stamping import repository as repo
from traceability.stamping.schemas import (
    ActivationRequest,
    Approval,
    CostReport,
    LabelStockInfo,
    LifecycleResult,
    RevocationRequest,
    StampBatch,
    StampBatchOrder,
)

_CSV = "text/csv"
"""Litestar adds "; charset=utf-8" to text/ types (the print-house CSV is ASCII, a subset)."""


class StampBatchController(Controller):
    path = "/api/v1/stamp-batches"
    tags = ["stamps"]
    guards = [WRITERS]

    @post(
        "/",
        summary="Order a batch of stamps (send an Idempotency-Key to retry safely)",
        responses={
            200: ResponseSpec(
                StampBatch,
                description="Sent again with the same Idempotency-Key: the batch first "
                "ordered with it, nothing ordered again",
            )
        },
    )
    async def order_stamp_batch(
        self,
        conn: Conn,
        principal: Caller,
        keys: Keys,
        settings: AppSettings,
        data: JSONBody[StampBatchOrder],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", max_length=200)
        ] = None,
    ) -> Response[StampBatch]:
        batch, created = await service.order_batch(
            conn,
            principal,
            settings,
            signing_kid(keys.ring),
            data,
            idempotency_key,
        )
        return Response(
            batch,
            status_code=201 if created else 200,
            headers={"Location": f"/api/v1/stamp-batches/{batch.id}"},
        )

    @get("/", summary="Stamp batches (a cooperative sees its own)")
    async def list_stamp_batches(
        self,
        conn: Conn,
        principal: Caller,
        product_id: QueryId = None,
        approval: FromQuery[Approval | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[StampBatch]:
        found = await repo.list_batches(
            conn,
            principal.visible_cooperative(),
            product_id,
            after_id(cursor) or 0,
            limit,
            approval,
        )
        return page_of(found, limit, lambda batch: batch.id)

    @get("/{batch_id:int}", summary="One stamp batch, with how many stamps are active or revoked")
    async def get_stamp_batch(self, conn: Conn, principal: Caller, batch_id: PathId) -> StampBatch:
        return await service.visible_batch(conn, principal, batch_id)

    @get(
        "/{batch_id:int}/download",
        summary="Print files: PDF sheets, PNG pages (zip, or ?page=N), print-house CSV with PINs",
        description=(
            "The labels are laid out for a label stock: `stock` names one of "
            "`/api/v1/label-stocks` (default a4-35x35, or a4-52.5x29.7 for GS1 Digital Link "
            "stamps with PINs, which 35 mm labels cannot carry), or a custom grid is given in "
            "millimetres with `label_mm` (like 40x30) and `grid` (columns x rows, like 4x9), "
            "and optionally `gap_mm`, `margin_mm` (left x top; default: centred) and "
            "`sheet_mm` (default 210x297). A layout that does not fit the page, or labels too "
            "small for the QR and its text, is refused with 422 before anything is sent."
        ),
        opt={"media_types": ("application/pdf", "application/zip", "image/png", _CSV)},
    )
    async def download_stamp_batch(
        self,
        conn: Conn,
        principal: Caller,
        keys: Keys,
        cache: Cache,
        settings: AppSettings,
        batch_id: PathId,
        format: FromQuery[str] = "pdf",
        page: Annotated[int | None, QueryParameter(ge=1)] = None,
        stock: Annotated[str | None, QueryParameter(max_length=40)] = None,
        label_mm: Annotated[str | None, QueryParameter(max_length=40)] = None,
        grid: Annotated[str | None, QueryParameter(max_length=40)] = None,
        gap_mm: Annotated[str | None, QueryParameter(max_length=40)] = None,
        margin_mm: Annotated[str | None, QueryParameter(max_length=40)] = None,
        sheet_mm: Annotated[str | None, QueryParameter(max_length=40)] = None,
    ) -> Stream:
        batch = await service.visible_batch(conn, principal, batch_id)
        # visible_batch let only the batch's cooperative and the authority through: print
        # files hold PINs.
        service.require_approved(batch)
        if format not in {"pdf", "png", "csv"}:
            raise InvalidInput("format is pdf, png or csv.")
        try:
            layout = SheetLayout(
                choose_stock(
                    stock,
                    label_mm=label_mm,
                    grid=grid,
                    gap_mm=gap_mm,
                    margin_mm=margin_mm,
                    sheet_mm=sheet_mm,
                )
            )
        except LayoutError as exc:
            raise InvalidInput(str(exc)) from exc
        origin = await cache.origin(batch.product_id, batch.lot_id)
        assert origin is not None
        job = downloads.PrintJob(
            first=batch.first_serial,
            count=batch.quantity,
            ring=keys.ring,
            key_id=batch.key_id,
            public_url=settings.public_url,
            text=LabelText(
                origin.name_vi, origin.cooperative.name, origin.lot.code if origin.lot else None
            ),
            pin_secret=keys.pin_secret if batch.scratch_pins else None,
            layout=layout,
            gtin=batch.gtin,
        )
        downloads.check_signing_key(job, batch.id)  # an error now, not a 200 that breaks off
        if format != "csv":
            chosen = any(
                v is not None for v in (stock, label_mm, grid, gap_mm, margin_mm, sheet_mm)
            )
            job = service.laid_out(job, chosen)
            layout = job.layout
        pages = -(-job.count // job.per_page)
        name = f"stamps-batch-{batch.id}"
        if format == "csv":
            produce = downloads.csv_producer(job)
            media, filename = _CSV, f"{name}.csv"
        elif format == "pdf":
            produce = downloads.pdf_producer(job)
            media, filename = "application/pdf", f"{name}.pdf"
        elif page is not None:
            if page > pages:
                raise NotFound(f"The batch has {pages} pages.")
            job = job.page(page)
            produce = downloads.png_page_producer(job)
            media, filename = "image/png", f"{name}-page-{page}.png"
        else:
            produce = downloads.png_zip_producer(job)
            media, filename = "application/zip", f"{name}-png.zip"
        # PINs leave the service only in these files: who took them is on record.
        await record(
            conn,
            principal,
            "download",
            "stamp_batch",
            batch.id,
            cooperative_id=batch.cooperative_id,
            after={"format": format, "page": page, "stock": layout.stock.name},
        )
        return Stream(
            # Its first bytes are made before the answer starts, so that a failure to print
            # is a problem response, not a 200 that breaks off after the headers.
            await downloads.started(downloads.stream_from_thread(produce)),
            media_type=media,
            headers={
                "Content-Disposition": f'attachment; filename="{filename}"',
                "X-Stamp-Count": str(job.count),
                "X-Page-Count": str(pages),
                "Cache-Control": "no-store",
            },
        )

    @get("/cost-report", summary="Stamp costs and the province's subsidy, per cooperative")
    async def cost_report(
        self,
        request: Request[Any, Any, Any],
        conn: Conn,
        principal: Caller,
        since: FromQuery[date | None] = None,
        until: FromQuery[date | None] = None,
        format: FromQuery[str | None] = None,
    ) -> Response[Any]:
        lines = await repo.cost_report(conn, principal.visible_cooperative(), since, until)
        report = CostReport(
            since=since,
            until=until,
            lines=lines,
            stamps=sum(line.stamps for line in lines),
            total_vnd=sum((line.total_vnd for line in lines), Decimal(0)),
            subsidy_vnd=sum((line.subsidy_vnd for line in lines), Decimal(0)),
            cooperative_vnd=sum((line.cooperative_vnd for line in lines), Decimal(0)),
        )
        wants_csv = format == "csv" or (
            format is None and "text/csv" in (request.headers.get("accept") or "")
        )
        if not wants_csv:
            return Response(report)
        return Response(
            cost_csv.cost_report_csv(report),
            media_type=_CSV,  # Litestar adds the charset itself
            headers={"Content-Disposition": 'attachment; filename="chi-phi-tem.csv"'},
        )


class StampLifecycleController(Controller):
    path = "/api/v1/stamps"
    tags = ["stamps"]
    guards = [WRITERS]

    @post(
        "/activations",
        status_code=201,
        summary="Activate stamps: a batch, a serial range, or a lot's stamps",
    )
    async def activate_stamps(
        self,
        conn: Conn,
        principal: Caller,
        cache: Cache,
        after_commit: OnCommit,
        data: JSONBody[ActivationRequest],
    ) -> LifecycleResult:
        result, batches = await service.activate(conn, principal, data)
        after_commit(lambda: cache.forget_batches(batches))
        return result

    @post(
        "/revocations",
        status_code=201,
        summary="Revoke or recall stamps: one, a range, a lot's or a batch's; with a reason",
    )
    async def revoke_stamps(
        self,
        conn: Conn,
        principal: Caller,
        cache: Cache,
        after_commit: OnCommit,
        data: JSONBody[RevocationRequest],
    ) -> LifecycleResult:
        result, batches = await service.revoke(conn, principal, data)
        after_commit(lambda: cache.forget_batches(batches))
        return result


class LabelStockController(Controller):
    path = "/api/v1/label-stocks"
    tags = ["stamps"]
    guards = [WRITERS]

    @get("/", summary="Label stocks the print files can be laid out for")
    async def list_label_stocks(self) -> list[LabelStockInfo]:
        return [
            LabelStockInfo(
                name=stock.name,
                title=stock.title,
                label_mm=stock.label_mm,
                columns=stock.columns,
                rows=stock.rows,
                per_page=stock.per_page,
                page_mm=stock.page_mm,
                gap_mm=stock.gap_mm,
                margin_mm=stock.first_mm,
                default=stock.name == DEFAULT_STOCK,
            )
            for stock in STOCKS.values()
        ]
