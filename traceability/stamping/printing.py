"""A batch's print file, the one way the API and the portal hand one out.

Print files hold the stamps' codes and PINs, so taking one is recorded (who, which file,
which label stock) and makes the order no longer cancellable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import asyncpg

from stamps.layouts import LayoutError, choose_stock
from stamps.render import LabelText
from stamps.sheets import SheetLayout
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.errors import InvalidInput, NotFound
from traceability.scanning.service import ScanCache
from traceability.settings import Settings
from traceability.signing import StampKeys
from traceability.stamping import downloads, service

PrintFormat = Literal["pdf", "png", "csv"]
FORMATS: tuple[PrintFormat, ...] = ("pdf", "png", "csv")
LAYOUT_CHOICES = ("stock", "label_mm", "grid", "gap_mm", "margin_mm", "sheet_mm")


@dataclass(frozen=True, slots=True)
class PrintFile:
    produce: downloads.Producer
    media_type: str
    filename: str
    stamps: int
    pages: int

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Content-Disposition": f'attachment; filename="{self.filename}"',
            "X-Stamp-Count": str(self.stamps),
            "X-Page-Count": str(self.pages),
            "Cache-Control": "no-store",
        }


async def print_file(
    conn: asyncpg.Connection,
    principal: Principal,
    keys: StampKeys,
    cache: ScanCache,
    settings: Settings,
    batch_id: int,
    format: str,
    page: int | None,
    layout_choice: Mapping[str, str | None],
) -> PrintFile:
    """The batch's PDF sheets, PNG pages (a zip, or one page) or print-house CSV.

    ``layout_choice`` holds the label stock (``stock``) or a custom grid in millimetres
    (``label_mm``, ``grid``, ``gap_mm``, ``margin_mm``, ``sheet_mm``); a layout that
    cannot carry the labels is refused with the reason before anything is produced.
    """
    batch = await service.visible_batch(conn, principal, batch_id)
    # visible_batch let only the batch's cooperative and the authority through: print
    # files hold PINs.
    service.require_approved(batch)  # beyond its subsidy budget: not before approval
    if format not in FORMATS:
        raise InvalidInput("format is pdf, png or csv.", field="format")
    chosen = {k: layout_choice.get(k) for k in LAYOUT_CHOICES}
    try:
        layout = SheetLayout(
            choose_stock(
                chosen["stock"],
                label_mm=chosen["label_mm"],
                grid=chosen["grid"],
                gap_mm=chosen["gap_mm"],
                margin_mm=chosen["margin_mm"],
                sheet_mm=chosen["sheet_mm"],
            )
        )
    except LayoutError as exc:
        raise InvalidInput(str(exc), field="stock") from exc
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
        job = service.laid_out(job, any(v is not None for v in chosen.values()))
        layout = job.layout
    pages = -(-job.count // job.per_page)
    name = f"stamps-batch-{batch.id}"
    if format == "csv":
        produce = downloads.csv_producer(job)
        # Litestar adds "; charset=utf-8" to text/ types itself (ASCII is a subset of it).
        media, filename = "text/csv", f"{name}.csv"
    elif format == "pdf":
        produce = downloads.pdf_producer(job)
        media, filename = "application/pdf", f"{name}.pdf"
    elif page is not None:
        if page > pages:
            raise NotFound("The batch has %(pages)s pages.", params={"pages": pages})
        job = job.page(page)
        produce = downloads.png_page_producer(job)
        media, filename = "image/png", f"{name}-page-{page}.png"
    else:
        produce = downloads.png_zip_producer(job)
        media, filename = "application/zip", f"{name}-png.zip"
    # PINs leave the service only in these files: who took them is on record, and from
    # now on the order cannot be cancelled.
    await service.mark_downloaded(conn, batch)
    await record(
        conn,
        principal,
        "download",
        "stamp_batch",
        batch.id,
        cooperative_id=batch.cooperative_id,
        after={"format": format, "page": page, "stock": layout.stock.name},
    )
    return PrintFile(produce, media, filename, job.count, pages)
