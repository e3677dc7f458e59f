"""Stamp orders: order stamps, follow an order, print it, cancel a mistake.

The same service as ``POST /api/v1/stamp-batches``: the order form carries an idempotency
key made when the form is drawn, so a double click, a refresh or going back and sending
the same form again finds the order it already made instead of ordering twice.
"""

from __future__ import annotations

import secrets
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Stream

from stamps.layouts import STOCKS
from traceability.cancellations import service as cancellations
from traceability.cancellations.schemas import CancellationAsk
from traceability.deps import Conn
from traceability.inputs import PathId, QueryId
from traceability.portal.forms import FORM_ERROR, Form, read_form
from traceability.portal.i18n import N_, Text
from traceability.portal.pages.staff import cooperative_of
from traceability.portal.web import SignedIn, redirect, render
from traceability.scanning.service import Cache
from traceability.signing import Keys
from traceability.stamping import downloads, printing, service
from traceability.stamping import repository as repo
from traceability.stamping.schemas import (
    Reason,
    StampBatch,
    StampBatchCancellation,
    StampBatchOrder,
)
from traceability.stamping.service import IdempotencyMismatch

PAGE = 25
PROGRESS_LIMIT = 100_000
"""Up to this many stamps the page counts the download's pages in the browser; a larger
file is left to the browser's own download (it would not fit a cheap phone's memory)."""
ALREADY_SENT = N_(
    "This form was already sent with other values. Check your orders below; to order again, "
    "send the form once more."
)


class CancelFields(msgspec.Struct, frozen=True):
    reason: Reason | None = None


class NoFields(msgspec.Struct, frozen=True):
    """A form that only confirms (withdraw a request): its refusals still show on the page."""


def _new_form(person: SignedIn) -> Form[Any]:
    return Form(
        person.t,
        {"scratch_pins": "on", "idempotency_key": secrets.token_urlsafe(18)},
    )


async def _orders_page(
    conn: Conn,
    person: SignedIn,
    form: Form[Any],
    *,
    before: int | None = None,
    status: int = 200,
) -> Any:
    coop = cooperative_of(person)
    orders = await repo.recent_batches(conn, coop, before, PAGE)
    products = await repo.order_products(conn, coop)
    return render(
        person,
        "orders/list.html",
        form=form,
        orders=orders,
        products=products,
        product_choices=[(p.id, p.name) for p in products],
        lot_groups=[(p.name, p.lots) for p in products],
        names=_names(products),
        older=orders[-1].id if len(orders) == PAGE else None,
        status=status,
    )


def _names(products: list[repo.OrderProduct]) -> dict[str, dict[int, str]]:
    return {
        "products": {p.id: p.name for p in products},
        "lots": {lot_id: code for p in products for lot_id, code in p.lots},
    }


@get("/orders", summary="Stamp orders")
async def orders_page(conn: Conn, person: SignedIn, before: QueryId = None) -> Any:
    return await _orders_page(conn, person, _new_form(person), before=before)


@post("/orders", summary="Order stamps")
async def order_stamps(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, keys: Keys
) -> Any:
    coop = cooperative_of(person)
    form = await read_form(request, StampBatchOrder, person.t, fixed={"cooperative_id": coop})
    posted = await request.form()
    key = str(posted.get("idempotency_key") or "")[:200] or None
    form.values["idempotency_key"] = key or secrets.token_urlsafe(18)
    resent: list[bool] = []

    async def order(data: StampBatchOrder) -> tuple[StampBatch, bool]:
        try:
            return await service.order_batch(
                conn, person.principal, person.settings, keys.ring.current_kid, data, key
            )
        except IdempotencyMismatch:
            resent.append(True)
            raise

    made = await form.run(conn, order)
    if resent:
        # Back, changed and sent again: say so, and let the next send be a new order.
        form.errors.clear()
        form.fail(FORM_ERROR, Text(ALREADY_SENT))
        form.values["idempotency_key"] = secrets.token_urlsafe(18)
    if made is None:
        return await _orders_page(conn, person, form, status=422)
    batch, _created = made
    return redirect(person, f"/portal/orders/{batch.id}", notice="ordered")


async def _order(conn: Conn, person: SignedIn, batch_id: int) -> StampBatch:
    cooperative_of(person)
    return await service.visible_batch(conn, person.principal, batch_id)


@get("/orders/{batch_id:int}", summary="A stamp order")
async def order_page(
    conn: Conn, person: SignedIn, batch_id: PathId, stock: FromQuery[str | None] = None
) -> Any:
    batch = await _order(conn, person, batch_id)
    return await _order_page(conn, person, batch, Form(person.t), stock=stock)


async def _order_page(
    conn: Conn,
    person: SignedIn,
    batch: StampBatch,
    cancel_form: Form[Any],
    status: int = 200,
    stock: str | None = None,
    ask_form: Form[Any] | None = None,
) -> Any:
    products = await repo.order_products(conn, batch.cooperative_id)
    requests = await cancellations.of_order(conn, person.principal, batch.id)
    return render(
        person,
        "orders/order.html",
        batch=batch,
        names=_names(products),
        cancel_form=cancel_form,
        ask_form=ask_form or Form(person.t),
        latest_request=requests[0] if requests else None,
        stocks=list(STOCKS.values()),
        chosen_stock=stock if stock in STOCKS else None,
        progress_limit=PROGRESS_LIMIT,
        status=status,
    )


@get("/orders/{batch_id:int}/print", summary="Download an order's print file")
async def print_order(
    request: Request[Any, Any, Any],
    conn: Conn,
    person: SignedIn,
    keys: Keys,
    cache: Cache,
    batch_id: PathId,
    format: FromQuery[str] = "pdf",
) -> Stream:
    cooperative_of(person)
    query = request.query_params
    choice = {k: (query.get(k) or "").strip()[:40] or None for k in printing.LAYOUT_CHOICES}
    made = await printing.print_file(
        conn, person.principal, keys, cache, person.settings, batch_id, format, None, choice
    )
    return Stream(
        # The first bytes are made first: a failure to print is an error page, not a cut file.
        await downloads.started(downloads.stream_from_thread(made.produce)),
        media_type=made.media_type,
        headers=made.headers,
    )


@post("/orders/{batch_id:int}/cancel", summary="Cancel a stamp order")
async def cancel_order(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, batch_id: PathId
) -> Any:
    batch = await _order(conn, person, batch_id)  # another cooperative's order: 404
    form = await read_form(request, CancelFields, person.t)
    done = await form.run(
        conn,
        lambda fields: service.cancel_batch(
            conn, person.principal, batch.id, StampBatchCancellation(reason=fields.reason)
        ),
    )
    if done is None:
        return await _order_page(conn, person, batch, form, status=409)
    return redirect(person, f"/portal/orders/{batch.id}", notice="order_cancelled")


@post("/orders/{batch_id:int}/cancellation-request", summary="Ask to cancel a printed order")
async def ask_cancellation(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, batch_id: PathId
) -> Any:
    batch = await _order(conn, person, batch_id)  # another cooperative's order: 404
    form = await read_form(request, CancellationAsk, person.t)
    made = await form.run(
        conn,
        lambda data: cancellations.request_cancellation(conn, person.principal, batch.id, data),
    )
    if made is None:
        batch = await _order(conn, person, batch_id)
        return await _order_page(conn, person, batch, Form(person.t), status=422, ask_form=form)
    return redirect(person, f"/portal/orders/{batch.id}", notice="cancellation_requested")


@post(
    "/orders/{batch_id:int}/cancellation-request/withdraw",
    summary="Withdraw a request to cancel an order",
)
async def withdraw_cancellation(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, batch_id: PathId
) -> Any:
    batch = await _order(conn, person, batch_id)
    form = await read_form(request, NoFields, person.t)
    done = await form.run(
        conn, lambda _data: cancellations.withdraw(conn, person.principal, batch.id)
    )
    if done is None:
        return await _order_page(conn, person, batch, Form(person.t), status=409, ask_form=form)
    return redirect(person, f"/portal/orders/{batch.id}", notice="cancellation_withdrawn")


HANDLERS = [
    orders_page,
    order_stamps,
    order_page,
    print_order,
    cancel_order,
    ask_cancellation,
    withdraw_cancellation,
]
