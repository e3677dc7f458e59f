"""The authority's inbox of consumers' reports: newest first, each linked to its stamp's case,
with the photo a consumer sent (served to officials only, never cached)."""

from __future__ import annotations

from typing import Any, Final

import msgspec
from litestar import Request, Response, get

from traceability.deps import Conn
from traceability.errors import NotFound
from traceability.inputs import PathId
from traceability.portal.forms import bind
from traceability.portal.i18n import N_
from traceability.portal.pages.cases import VERDICTS
from traceability.portal.web import OFFICIAL, Official, render
from traceability.reports import service
from traceability.reports.schemas import ConsumerReport

PAGE = 50
SHOWN_VERDICTS: Final = {
    "not_genuine": N_("Not genuine"),
    "suspicious": N_("Suspicious"),
    "revoked": N_("Revoked"),
    "not_activated": N_("Not activated"),
}
"""The answers a report can be sent from, for the filter."""


class InboxFilter(msgspec.Struct, frozen=True):
    verdict: str | None = None
    serial: int | None = None
    before: int | None = None


async def _names(conn: Conn, found: list[ConsumerReport]) -> dict[str, dict[int, str]]:
    """The products' and cooperatives' names, and which reported stamps have a case page."""
    products = {r.product_id for r in found if r.product_id is not None}
    coops = {r.cooperative_id for r in found if r.cooperative_id is not None}
    serials = {r.serial for r in found if r.serial is not None}
    return {
        "products": dict(
            await conn.fetch(
                "SELECT id, name_vi FROM products WHERE id = ANY($1::bigint[])", list(products)
            )
        ),
        "cooperatives": dict(
            await conn.fetch(
                "SELECT id, name FROM cooperatives WHERE id = ANY($1::bigint[])", list(coops)
            )
        ),
        "cases": dict(
            await conn.fetch(
                "SELECT serial, serial FROM stamps WHERE serial = ANY($1::bigint[])",
                list(serials),
            )
        ),
    }


async def reports_for(conn: Conn, serial: int) -> list[ConsumerReport]:
    """A stamp's reports, for its case page."""
    return await service.list_reports(conn, after=None, limit=PAGE, serial=serial)


@get("/reports", summary="Consumers' reports, newest first", dependencies=OFFICIAL)
async def reports_page(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    form = bind(InboxFilter, dict(request.query_params), official.t)
    chosen = form.data if form.ok else InboxFilter()
    verdict = chosen.verdict if chosen.verdict in SHOWN_VERDICTS else None
    found = await service.list_reports(
        conn, after=chosen.before, limit=PAGE, serial=chosen.serial, verdict=verdict
    )
    more = None
    if len(found) == PAGE:
        more = {k: v for k, v in request.query_params.items() if k != "before" and v}
        more["before"] = str(found[-1].id)
    return render(
        official,
        "reports/inbox.html",
        reports=found,
        form=form,
        verdicts=SHOWN_VERDICTS,
        words=VERDICTS,
        names=await _names(conn, found),
        more=more,
    )


@get(
    "/reports/{report_id:int}/photo",
    summary="The photo sent with a report",
    dependencies=OFFICIAL,
)
async def report_photo(conn: Conn, official: Official, report_id: PathId) -> Any:
    photo = await service.report_photo(conn, report_id)
    if photo is None:
        raise NotFound("This report has no photo.")
    return Response(
        photo,
        media_type="image/jpeg",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


HANDLERS = [reports_page, report_photo]
