"""EPCIS 2.0 capture over HTTP (the REST binding's ``/capture``, under ``/api/v1/epcis``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath
from litestar.status_codes import HTTP_202_ACCEPTED

from traceability import clock
from traceability.accounts.guards import WRITERS
from traceability.deps import Caller, Conn
from traceability.epcis import capture, repository
from traceability.epcis.schemas import CaptureJob
from traceability.errors import PROBLEM_JSON, NotFound, TraceabilityError
from traceability.inputs import decode_json_body
from traceability.registry.access import may_manage

CAPTURE_MEDIA_TYPES = ("application/json", "application/ld+json")
MAX_CAPTURE_BYTES = 8 * 1024 * 1024
EPCIS_HEADERS = {
    "GS1-EPCIS-Version": "2.0.0",
    "GS1-CBV-Version": "2.0.0",
    "GS1-EPCIS-Capture-Limit": str(capture.MAX_EVENTS),
    "GS1-EPCIS-Capture-File-Size-Limit": str(MAX_CAPTURE_BYTES),
}


class UnsupportedMediaType(TraceabilityError):
    """Send the EPCIS document as JSON-LD."""

    status = 415
    slug = "unsupported-media-type"


class CaptureController(Controller):
    path = "/api/v1/epcis/capture"
    tags = ["gs1"]
    guards = [WRITERS]

    @post(
        "/",
        status_code=HTTP_202_ACCEPTED,
        summary="Capture an EPCIS 2.0 document of events of your own lots",
        description=(
            "EPCIS 2.0 capture (JSON-LD, `application/ld+json` or `application/json`). The "
            "document must validate against GS1's EPCIS 2.0 JSON schema (else 400 with the "
            "schema's errors in `errors`), and every event must name at least one lot of the "
            "caller's cooperative (a lot class `…/01/{gtin}/10/{lot}`, a stamp as SGTIN "
            "`…/01/{gtin}/21/{serial}`, a carton's SSCC; EPC URNs or Digital Links on any host) "
            "and no other cooperative's lot (403). Each event is kept once under GS1's "
            "canonical event hash (`ni:///sha-256;…?ver=CBV2.0`): sending it again changes "
            "nothing (`new: false`). All or nothing: one bad event stores none. New events "
            "join the timelines of the lots they name. Answers 202 with the finished capture "
            "job and its `Location`."
        ),
        request_max_body_size=MAX_CAPTURE_BYTES,
        responses={
            415: ResponseSpec(
                dict[str, Any],
                description="Not sent as application/ld+json or application/json",
                media_type=PROBLEM_JSON,
            )
        },
    )
    async def capture_document(
        self, request: Request[Any, Any, Any], conn: Conn, principal: Caller
    ) -> Response[CaptureJob]:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in CAPTURE_MEDIA_TYPES:
            raise UnsupportedMediaType(
                f"Send the EPCIS document as {' or '.join(CAPTURE_MEDIA_TYPES)}."
            )
        # Strict like every JSON body: duplicate keys, NaN and deep nesting are a 400.
        document = decode_json_body(await request.body(), None)
        base = str(request.app.state.settings.public_url).rstrip("/")
        job = await capture.capture(conn, principal, document, base, clock.now())
        return Response(
            job,
            status_code=HTTP_202_ACCEPTED,
            headers={"Location": f"{self.path}/{job.capture_id}", **EPCIS_HEADERS},
        )

    @get("/{capture_id:str}", summary="A capture job: when it ran and what it stored")
    async def capture_job(
        self, conn: Conn, principal: Caller, capture_id: FromPath[str]
    ) -> Response[CaptureJob]:
        missing = f"No capture {capture_id[:40]}."
        if not capture_id.isdigit() or len(capture_id) > 18:
            raise NotFound(missing)
        row = await repository.get_capture(conn, int(capture_id))
        if row is None or not may_manage(principal, row["cooperative_id"]):
            raise NotFound(missing)
        job = CaptureJob(
            capture_id=str(row["id"]),
            created_at=row["created_at"],
            finished_at=row["created_at"],
            event_count=row["event_count"],
            new_event_count=row["new_count"],
        )
        return Response(job, headers=EPCIS_HEADERS)


ROUTES = [CaptureController]
