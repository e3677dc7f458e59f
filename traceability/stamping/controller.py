"""Stamp batches over HTTP: order, list, activate, revoke, report, download."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import (
    Body,
    FromQuery,
    HeaderParameter,
    JSONBody,
    QueryParameter,
)
from litestar.response import Stream

from stamps.layouts import DEFAULT_STOCK, STOCKS
from traceability.accounts.guards import WRITERS
from traceability.deps import AppSettings, Caller, Conn, OnCommit
from traceability.inputs import PathId, QueryId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_id,
    page_of,
)
from traceability.photos import PHOTO_MAX_BYTES
from traceability.scanning.service import Cache
from traceability.signing import Keys, signing_kid
from traceability.stamping import cost_csv, downloads, photos, printing, service
from traceability.stamping import repository as repo
from traceability.stamping.photos import PhotoReading, PhotoUpload
from traceability.stamping.schemas import (
    ActivationRequest,
    Approval,
    CostReport,
    LabelStockInfo,
    LifecycleResult,
    RevocationRequest,
    StampBatch,
    StampBatchCancellation,
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

    @post(
        "/{batch_id:int}/cancel",
        status_code=200,
        summary="Cancel an order whose stamps were neither downloaded nor activated",
        description=(
            "An order placed by mistake costs nothing once cancelled: its serials are never "
            "used and cost reports leave it out. Once its print files were downloaded (or "
            "stamps activated) the stamps may be on paper, and the answer is 409: revoke "
            "them instead. Cancelling a cancelled order again answers the order unchanged."
        ),
    )
    async def cancel_stamp_batch(
        self,
        conn: Conn,
        principal: Caller,
        batch_id: PathId,
        data: JSONBody[StampBatchCancellation | None] = None,
    ) -> StampBatch:
        batch, _ = await service.cancel_batch(
            conn, principal, batch_id, data or StampBatchCancellation()
        )
        return batch

    @get(
        "/{batch_id:int}/download",
        summary="Print files: PDF sheets, PNG pages (zip, or ?page=N), print-house CSV with PINs",
        opt={
            "media_types": ("application/pdf", "application/zip", "image/png", _CSV),
            "conflicts": "The order was cancelled: its stamps must never be printed.",
        },
        description=(
            "The labels are laid out for a label stock: `stock` names one of "
            "`/api/v1/label-stocks` (default a4-35x35, or a4-52.5x29.7 for GS1 Digital Link "
            "stamps with PINs, which 35 mm labels cannot carry), or a custom grid is given in "
            "millimetres with `label_mm` (like 40x30) and `grid` (columns x rows, like 4x9), "
            "and optionally `gap_mm`, `margin_mm` (left x top; default: centred) and "
            "`sheet_mm` (default 210x297). A layout that does not fit the page, or labels too "
            "small for the QR and its text, is refused with 422 before anything is sent."
        ),
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
        choice = {
            "stock": stock,
            "label_mm": label_mm,
            "grid": grid,
            "gap_mm": gap_mm,
            "margin_mm": margin_mm,
            "sheet_mm": sheet_mm,
        }
        made = await printing.print_file(
            conn, principal, keys, cache, settings, batch_id, format, page, choice
        )
        return Stream(
            # Its first bytes are made before the answer starts, so that a failure to print
            # is a problem response, not a 200 that breaks off after the headers.
            await downloads.started(downloads.stream_from_thread(made.produce)),
            media_type=made.media_type,
            headers=made.headers,
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

    @post(
        "/photo-reading",
        status_code=200,
        summary="Read stamps from photos: which of yours they are, and the range to activate",
        description=(
            "Send one or more photos (multipart, any field name; JPEG, PNG or WebP up to "
            "15 MB each, at most 10): the first and the last stamp of a roll, or a sheet of "
            "several. Every QR code is read and its signature checked; the answer lists your "
            "stamps and, per order, the range from the lowest to the highest serial found, "
            "with how many of it are active already. Nothing changes: activate the range "
            "with `POST /api/v1/stamps/activations` once a person has confirmed it."
        ),
    )
    async def read_stamp_photos(
        self,
        conn: Conn,
        principal: Caller,
        keys: Keys,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
    ) -> PhotoReading:
        contents = [await upload.read(PHOTO_MAX_BYTES + 1) for upload in data.photo]
        return await photos.read_photos(conn, principal, keys.ring, contents)


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
