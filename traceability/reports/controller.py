"""Report a fake: the consumer's form (no account, no JavaScript) and the authority's list."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, QueryParameter
from litestar.status_codes import HTTP_303_SEE_OTHER

from traceability.accounts.guards import AUTHORITY
from traceability.deps import AppSettings, Conn
from traceability.errors import NotFound
from traceability.inputs import INT64_MAX, PathId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, after_id, page_of
from traceability.reports import service
from traceability.reports.schemas import CODE_MAX, ConsumerReport, NewReport, ReportForm
from traceability.scanning.controller import wants_json
from traceability.scanning.page import report_page
from traceability.scanning.service import Cache, network_hash, resolve
from traceability.scanning.text import language
from traceability.signing import Keys

MAX_BODY = 6 * 1024 * 1024
"""A phone photo (at most 5 MB) and the text."""
_PAGE = {"Cache-Control": "no-store"}


def _client(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _stamp_path(request: Request[Any, Any, Any], code: str) -> str:
    return request.url.path[:3] + code  # /s/ or /S/, as the page was asked


@get(
    ["/s/{code:str}/report", "/S/{code:str}/report"],
    summary="The report-a-fake form for a scanned code (or its thanks, with ?sent=)",
    tags=["scanning"],
    media_type=MediaType.HTML,
    operation_id=lambda handler, method, components: (
        "report_form" + ("_qr_path" if components and components[0] == "S" else "")
    ),
)
async def report_form(
    request: Request[Any, Any, Any],
    settings: AppSettings,
    code: FromPath[str],
    sent: FromQuery[int | None] = None,
    lang: FromQuery[str | None] = None,
) -> Response[str]:
    chosen = language(lang, request.headers.get("accept-language"))
    page = report_page(
        lang=chosen,
        path=_stamp_path(request, code),
        authority_phone=settings.authority_phone,
        sent=sent,
    )
    return Response(page, media_type="text/html", headers=_PAGE)


@post(
    ["/s/{code:str}/report", "/S/{code:str}/report"],
    summary="Report a fake (multipart form: problem, where, phone, photo); rate-limited",
    tags=["scanning"],
    operation_id=lambda handler, method, components: (
        "report_fake" + ("_qr_path" if components and components[0] == "S" else "")
    ),
    request_max_body_size=MAX_BODY,
    status_code=HTTP_303_SEE_OTHER,
)
async def report_fake(
    request: Request[Any, Any, Any],
    data: Annotated[ReportForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    conn: Conn,
    keys: Keys,
    cache: Cache,
    settings: AppSettings,
    code: FromPath[str],
) -> Response[Any]:
    """The body is read and checked before a database connection is taken (``data`` first)."""
    lang = language(data.lang or None, request.headers.get("accept-language"))
    path = _stamp_path(request, code)
    json = wants_json(request.headers.get("accept"))
    try:
        checked = await service.check_form(data)
        ring = keys.ring
        res = await resolve(code, ring, cache)
        report_id = await service.submit_report(
            conn,
            NewReport(
                code=code[:CODE_MAX],
                serial=res.stamp.serial if res.stamp and res.batch else None,
                batch_id=res.batch.id if res.batch else None,
                verdict=res.verdict,
                reason=res.reason,
                problem=checked.problem,
                bought_at=checked.bought_at,
                phone=checked.phone,
                photo=checked.photo,
                language=lang,
                client_hash=network_hash(keys.place_secret, _client(request)),
            ),
            per_hour=settings.reports_per_network_per_hour,
        )
    except service.InvalidReport as exc:
        if json:
            raise
        errors = {e.name: e.message(lang) for e in exc.fields}
        values = {"problem": data.problem, "where": data.where, "phone": data.phone}
        page = report_page(
            lang=lang,
            path=path,
            authority_phone=settings.authority_phone,
            errors=errors,
            values=values,
        )
        return Response(page, status_code=422, media_type="text/html", headers=_PAGE)
    except service.TooManyReports as exc:
        if json:
            raise
        page = report_page(
            lang=lang, path=path, authority_phone=settings.authority_phone, limited=exc.minutes
        )
        headers = {**_PAGE, "Retry-After": str(exc.minutes * 60)}
        return Response(page, status_code=429, media_type="text/html", headers=headers)
    if json:
        return Response({"id": report_id}, status_code=201, headers=_PAGE)
    # Post, then redirect: a refresh or the back button never sends the report twice.
    thanks = f"{quote(path, safe='/')}/report?sent={report_id}&lang={lang}"
    return Response(None, status_code=HTTP_303_SEE_OTHER, headers={**_PAGE, "Location": thanks})


class ConsumerReportController(Controller):
    path = "/api/v1/consumer-reports"
    tags = ["consumer reports"]
    guards = [AUTHORITY]

    @get("/", summary="Consumers' reports of fakes, newest first (the authority's inbox)")
    async def list_reports(
        self,
        conn: Conn,
        serial: Annotated[int | None, QueryParameter(ge=0, le=INT64_MAX)] = None,
        verdict: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ConsumerReport]:
        found = await service.list_reports(
            conn,
            after=after_id(cursor),
            limit=limit,
            serial=serial,
            verdict=verdict,
        )
        return page_of(found, limit, lambda report: report.id)

    @get("/{report_id:int}", summary="One consumer report")
    async def get_report(self, conn: Conn, report_id: PathId) -> ConsumerReport:
        found = await service.get_report(conn, report_id)
        if found is None:
            raise NotFound(f"No consumer report {report_id}.")
        return found

    @get("/{report_id:int}/photo", summary="The photo sent with a report (JPEG)")
    async def report_photo(self, conn: Conn, report_id: PathId) -> Response[bytes]:
        photo = await service.report_photo(conn, report_id)
        if photo is None:
            raise NotFound(f"Consumer report {report_id} has no photo.")
        return Response(
            photo, media_type="image/jpeg", headers={"Cache-Control": "private, no-store"}
        )


REPORT_HANDLERS = [report_form, report_fake, ConsumerReportController]
