"""Cancellation requests over HTTP: a cooperative asks to cancel a downloaded order, the
authority decides."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import AUTHORITY, WRITERS
from traceability.cancellations import service
from traceability.cancellations.schemas import (
    CancellationAsk,
    CancellationDecision,
    CancellationRequest,
    CancellationStatus,
)
from traceability.deps import Caller, Conn, OnCommit
from traceability.inputs import PathId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, after_id, page_of
from traceability.scanning.service import Cache

_ONE = "/{batch_id:int}/cancellation-request"


class CancellationRequestController(Controller):
    path = "/api/v1/stamp-batches"
    tags = ["stamps"]
    guards = [WRITERS]

    @get(
        "/cancellation-requests",
        summary="Requests to cancel downloaded orders, newest first (a cooperative: its own)",
        description="`status=open` lists those waiting for the authority's decision.",
    )
    async def list_cancellation_requests(
        self,
        conn: Conn,
        principal: Caller,
        status: FromQuery[CancellationStatus | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[CancellationRequest]:
        found = await service.listed(
            conn, principal, status=status, before=after_id(cursor), limit=limit
        )
        return page_of(found, limit, lambda r: r.id)

    @get(
        "/{batch_id:int}/cancellation-requests",
        summary="An order's cancellation requests, newest first",
    )
    async def order_cancellation_requests(
        self, conn: Conn, principal: Caller, batch_id: PathId
    ) -> list[CancellationRequest]:
        return await service.of_order(conn, principal, batch_id)

    @post(
        _ONE,
        summary="Ask the authority to cancel an order whose print files were downloaded",
        description=(
            "Once an order's print files were downloaded its stamps may be on paper, so it "
            "is no longer cancelled at once (`POST …/cancel` answers 409): the cooperative "
            "asks, with a `reason` (1–200 characters), and the authority approves or rejects. "
            "409 when the order was not downloaded (cancel it directly), is cancelled "
            "already, or has a request open; one request is open per order at a time."
        ),
    )
    async def request_cancellation(
        self,
        conn: Conn,
        principal: Caller,
        batch_id: PathId,
        data: JSONBody[CancellationAsk],
    ) -> Response[CancellationRequest]:
        made = await service.request_cancellation(conn, principal, batch_id, data)
        return Response(
            made,
            status_code=201,
            headers={"Location": f"/api/v1/stamp-batches/{batch_id}/cancellation-requests"},
        )

    @delete(
        _ONE,
        status_code=200,
        summary="Withdraw the order's open cancellation request",
        description="Withdrawing a withdrawn request again answers it unchanged; 409 when "
        "no request is open.",
    )
    async def withdraw_cancellation_request(
        self, conn: Conn, principal: Caller, batch_id: PathId
    ) -> CancellationRequest:
        return await service.withdraw(conn, principal, batch_id)

    @post(
        _ONE + "/decision",
        status_code=200,
        guards=[AUTHORITY],
        summary="Approve or reject a request to cancel a downloaded order (the authority)",
        description=(
            "Approval cancels the order, revokes every stamp of its range (category "
            "`order_cancelled`: a scan says the print run was withdrawn) and takes its cost "
            "out of the subsidy budget and statements. A rejection needs a `reason`, which "
            "the cooperative reads; the order stays as it was. The same decision again "
            "answers the request unchanged; 409 when no request is open."
        ),
    )
    async def decide_cancellation_request(
        self,
        conn: Conn,
        principal: Caller,
        cache: Cache,
        after_commit: OnCommit,
        batch_id: PathId,
        data: JSONBody[CancellationDecision],
    ) -> CancellationRequest:
        decided = await service.decide(conn, principal, batch_id, data)
        after_commit(lambda: cache.forget_batches({batch_id}))
        return decided
