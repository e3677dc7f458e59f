"""A cooperative's request to cancel an order whose print files were downloaded.

Before the download an order is simply cancelled (``stamping.service.cancel_batch``). After
it, stamps may exist on paper, so the cooperative asks and the authority decides: approval
cancels the order (it drops out of budgets and statements) and revokes every stamp of its
range as ``order_cancelled``, so a stamp that still turns up is shown as withdrawn, not as
a fake. The API and the portal call these functions; every change is in the audit log.
"""

from __future__ import annotations

import asyncpg

from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.cancellations import repository as repo
from traceability.cancellations.schemas import (
    CancellationAsk,
    CancellationDecision,
    CancellationRequest,
    CancellationStatus,
)
from traceability.errors import Conflict, Forbidden
from traceability.stamping import repository as stamps
from traceability.stamping.schemas import StampBatch
from traceability.stamping.service import visible_batch

REVOCATION_REASON = "Đợt in tem đã được hủy theo yêu cầu của cơ sở sản xuất"
"""What a consumer scanning a stamp of a cancelled print run reads as the reason (the
cooperative's own words stay with the order, for the authority and the cooperative)."""


async def _locked(conn: asyncpg.Connection, principal: Principal, batch_id: int) -> StampBatch:
    """The order, visible to this caller, read after taking its row lock: a download, an
    activation or another request in flight has committed by then."""
    await visible_batch(conn, principal, batch_id)
    await stamps.lock_batch(conn, batch_id)
    batch = await stamps.get_batch(conn, batch_id)
    assert batch is not None
    return batch


async def _one(conn: asyncpg.Connection, request_id: int) -> CancellationRequest:
    (found,) = [
        r for r in await repo.requests(conn, before=request_id + 1, limit=1) if r.id == request_id
    ]
    return found


async def _latest(conn: asyncpg.Connection, batch_id: int) -> CancellationRequest | None:
    found = await repo.requests(conn, batch_id=batch_id, limit=1)
    return found[0] if found else None


async def request_cancellation(
    conn: asyncpg.Connection, principal: Principal, batch_id: int, ask: CancellationAsk
) -> CancellationRequest:
    """Open a request; refused if the order is not downloaded, is cancelled, or has one open."""
    batch = await _locked(conn, principal, batch_id)
    if batch.status == "cancelled":
        raise Conflict(
            "Order %(batch)s is already cancelled.",
            params={"batch": batch.id},
            batch_id=batch.id,
            order_status=batch.status,
        )
    if batch.status == "ordered":
        raise Conflict(
            "Order %(batch)s was not printed yet: cancel it directly, it then costs nothing.",
            params={"batch": batch.id},
            batch_id=batch.id,
            order_status=batch.status,
        )
    open_id = await repo.open_request_for_update(conn, batch.id)
    if open_id is not None:
        raise Conflict(
            "A request to cancel order %(batch)s is already waiting for the authority.",
            params={"batch": batch.id},
            batch_id=batch.id,
            request_id=open_id,
        )
    request_id = await repo.insert_request(
        conn, batch.id, ask.reason, principal.user_id, principal.key_id
    )
    made = await _one(conn, request_id)
    await record(
        conn, principal, "request_cancellation", "stamp_batch", batch.id,
        cooperative_id=batch.cooperative_id, after=made,
    )  # fmt: skip
    return made


async def withdraw(
    conn: asyncpg.Connection, principal: Principal, batch_id: int
) -> CancellationRequest:
    """Withdraw the order's open request (withdrawing it again changes nothing)."""
    batch = await _locked(conn, principal, batch_id)
    return await _close(conn, principal, batch, "withdrawn", None)


async def decide(
    conn: asyncpg.Connection,
    principal: Principal,
    batch_id: int,
    decision: CancellationDecision,
) -> CancellationRequest:
    """The authority approves (the order is cancelled, its stamps revoked) or rejects the
    open request. The same decision again changes nothing."""
    if not principal.is_authority:
        raise Forbidden("Only the provincial authority decides on cancellation requests.")
    batch = await _locked(conn, principal, batch_id)
    return await _close(conn, principal, batch, decision.decision, decision.reason)


async def _close(
    conn: asyncpg.Connection,
    principal: Principal,
    batch: StampBatch,
    status: CancellationStatus,
    reason: str | None,
) -> CancellationRequest:
    open_id = await repo.open_request_for_update(conn, batch.id)
    if open_id is None:
        latest = await _latest(conn, batch.id)
        if latest is not None and latest.status == status:
            return latest  # a double click, or a retry: already done
        raise Conflict(
            "No request to cancel order %(batch)s is open.",
            params={"batch": batch.id},
            batch_id=batch.id,
        )
    await repo.close_request(conn, open_id, status, principal.user_id, principal.key_id, reason)
    request = await _one(conn, open_id)
    action = {
        "withdrawn": "withdraw_cancellation",
        "approved": "approve_cancellation",
        "rejected": "reject_cancellation",
    }[status]
    if status == "approved":
        await _cancel(conn, principal, batch, request)
    await record(
        conn, principal, action, "stamp_batch", batch.id,
        cooperative_id=batch.cooperative_id, after=request,
    )  # fmt: skip
    return request


async def _cancel(
    conn: asyncpg.Connection,
    principal: Principal,
    batch: StampBatch,
    request: CancellationRequest,
) -> None:
    """Cancel the order and revoke its whole range, both in the audit log."""
    await repo.cancel_downloaded_batch(conn, batch.id, request.reason)
    cancelled = await stamps.get_batch(conn, batch.id)
    change = await stamps.insert_revocation(
        conn, batch.id, batch.first_serial, batch.last_serial, REVOCATION_REASON,
        principal.key_id, "order_cancelled",
    )  # fmt: skip
    await record(
        conn, principal, "cancel", "stamp_batch", batch.id,
        cooperative_id=batch.cooperative_id, before=batch, after=cancelled,
    )  # fmt: skip
    await record(
        conn, principal, "revoke", "stamp_batch", batch.id,
        cooperative_id=batch.cooperative_id, after=change,
    )  # fmt: skip


async def of_order(
    conn: asyncpg.Connection, principal: Principal, batch_id: int
) -> list[CancellationRequest]:
    """The order's requests, newest first (another cooperative's order does not exist)."""
    await visible_batch(conn, principal, batch_id)
    return await repo.requests(conn, batch_id=batch_id, limit=100)


async def listed(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    status: CancellationStatus | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[CancellationRequest]:
    """Requests newest first; a cooperative sees its own."""
    return await repo.requests(
        conn,
        cooperative_id=principal.visible_cooperative(),
        status=status,
        before=before,
        limit=limit,
    )


async def open_count(conn: asyncpg.Connection) -> int:
    return await repo.open_count(conn)
