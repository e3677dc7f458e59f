"""The retailer's workspace: receiving at the dock, the chain's deliveries and stores.

A handheld scanner is a keyboard: it types a code and presses Enter. The codes go into a
text box (Enter makes a new line there, never a submission); "Check" classifies them with
the same service as ``POST /api/v1/deliveries/check`` and the page answers a summary by
outcome and a line per stamp, with the form to record the delivery below it. Recording
checks the codes again (``POST /api/v1/deliveries``'s service): what is kept is what the
server saw, never what a page claimed.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery

from traceability import clock
from traceability.chains import repository as chains
from traceability.chains.schemas import Store
from traceability.deliveries import repository as deliveries
from traceability.deliveries import service
from traceability.deliveries.schemas import DeliveryCreate, Receipt
from traceability.deps import Conn
from traceability.errors import Forbidden, InvalidInput
from traceability.inputs import FIRST_DAY, LAST_DAY, PathId
from traceability.photos import PHOTO_MAX_BYTES
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import N_
from traceability.portal.pages.lots import DELIVERIES, EVENT_KINDS
from traceability.portal.web import SignedIn, redirect, render
from traceability.registry.cooperatives import repository as cooperatives
from traceability.registry.lots import repository as lots
from traceability.registry.lots import service as lot_service
from traceability.registry.planting_areas import repository as areas
from traceability.registry.products import repository as products
from traceability.registry.types import LongText, ShortText
from traceability.verification.service import Verifier

LIST_LIMIT = 100
CODES_MAX_CHARS = 2_000_000
"""10,000 stamp URLs of ~120 characters, with room: a bigger paste is not a delivery."""

TimeOfDay = Annotated[str, msgspec.Meta(pattern=r"^([01]?[0-9]|2[0-3])[:hg.]([0-5][0-9])$")]


class DeliveryFields(msgspec.Struct, frozen=True):
    """What the clerk fills in below the summary; the codes travel with the form."""

    store_id: int
    cooperative_id: int
    codes: Annotated[str, msgspec.Meta(max_length=CODES_MAX_CHARS)]
    purchase_order: ShortText | None = None
    received_on: date | None = None
    received_time: TimeOfDay | None = None
    notes: LongText | None = None


def _chain_of(person: SignedIn) -> int:
    me = person.principal
    if me.role != "retailer" or me.chain_id is None:
        raise Forbidden("This page is for a supermarket chain's people.")
    return me.chain_id


async def _open_stores(conn: Conn, chain_id: int) -> list[Store]:
    return [s for s in await chains.list_stores(conn, chain_id) if s.closed_at is None]


def _received_at(data: DeliveryFields) -> datetime | None:
    """The day and time typed, in Vietnam time; None (now) when both are left empty."""
    if data.received_on is None and data.received_time is None:
        return None
    day = data.received_on or clock.today()
    # Outside the days every input keeps to (1900-2199) DeliveryCreate would refuse the time
    # with a bare ValueError: say it beside the day, as the service says a future time.
    if day > LAST_DAY:
        raise InvalidInput(ARRIVES_IN_FUTURE, field="received_on")
    if day < FIRST_DAY:
        raise InvalidInput(TOO_EARLY, field="received_on")
    clock_time = time(0, 0)
    if data.received_time:
        hours, minutes = data.received_time.replace("h", ":").replace("g", ":").split(":")[:2]
        clock_time = time(int(hours), int(minutes.replace(".", "")))
    return datetime.combine(day, clock_time, clock.VIETNAM)


async def _receiving_page(
    conn: Conn,
    person: SignedIn,
    *,
    codes: str = "",
    receipt: Receipt | None = None,
    form: Form[Any] | None = None,
    codes_error: str | None = None,
    unread_photos: int = 0,
    status: int = 200,
) -> Any:
    chain_id = _chain_of(person)
    now = clock.local(clock.now())
    if form is None:
        form = Form(
            person.t,
            {
                "received_on": person.t.date(now),
                "received_time": now.strftime("%H:%M"),
            },
        )
    stores = await _open_stores(conn, chain_id)
    suppliers = await deliveries.supplier_choices(conn)
    if receipt is not None and not form.value("cooperative_id"):
        # The supplier is most likely the cooperative of most of the genuine stamps.
        seen: dict[int, int] = {}
        for line in receipt.lines:
            if line.stamp.cooperative_id is not None:
                seen[line.stamp.cooperative_id] = seen.get(line.stamp.cooperative_id, 0) + 1
        if seen:
            form.values["cooperative_id"] = str(max(seen, key=lambda c: seen[c]))
    if len(stores) == 1 and not form.value("store_id"):
        form.values["store_id"] = str(stores[0].id)
    return render(
        person,
        "receiving/receive.html",
        codes=codes,
        receipt=receipt,
        form=form,
        codes_error=codes_error,
        unread_photos=unread_photos,
        stores=[(s.id, s.name) for s in stores],
        suppliers=suppliers,
        status=status,
    )


@get("/receiving", summary="Receive a delivery")
async def receiving_page(conn: Conn, person: SignedIn) -> Any:
    return await _receiving_page(conn, person)


async def _posted(request: Request[Any, Any, Any]) -> tuple[str, list[bytes]]:
    """The box's text, and the photos sent with it (a phone's camera or files)."""
    posted = await request.form()
    value = posted.get("codes")
    photos = [
        await upload.read(PHOTO_MAX_BYTES + 1)
        for upload in (posted.getall("photos") if "photos" in posted else [])
        if isinstance(upload, UploadFile) and upload.filename
    ]  # fmt: skip
    return (value if isinstance(value, str) else ""), photos


@post("/receiving", summary="Check a delivery's stamps")
async def check_delivery(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, verifier: Verifier
) -> Any:
    _chain_of(person)
    codes, photos = await _posted(request)
    if len(codes) > CODES_MAX_CHARS:
        return await _receiving_page(conn, person, codes="", codes_error=TOO_MANY, status=422)
    lines = service.split_lines(codes)
    unread = 0
    try:
        if photos:
            found, unread = await service.codes_in_photos(photos)
            lines += found
        receipt = await service.receive(conn, verifier, lines)
    except InvalidInput as exc:
        message = exc.detail
        if photos and unread == len(photos) and not codes.strip():
            message = NO_CODE_IN_PHOTOS
        return await _receiving_page(conn, person, codes=codes, codes_error=message, status=422)
    # The box keeps each distinct code once, so a second check or the record sends the same.
    kept = "\n".join(line.code for line in receipt.lines)
    return await _receiving_page(
        conn, person, codes=kept + "\n", receipt=receipt, unread_photos=unread
    )


ARRIVES_IN_FUTURE = N_("The delivery cannot arrive in the future.")
TOO_EARLY = N_("Type a day from 1900 on.")
TOO_MANY = N_("At most 10,000 stamps at once: record a large delivery in parts.")
NO_CODE_IN_PHOTOS = N_(
    "No stamp could be read in the photos: take them closer, in good light, or scan the codes."
)


@post("/deliveries", summary="Record a delivery")
async def record_delivery(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, verifier: Verifier
) -> Any:
    _chain_of(person)
    form = await read_form(request, DeliveryFields, person.t)
    lines = service.split_lines(form.value("codes"))

    def action(data: DeliveryFields) -> Any:
        return service.record_delivery(
            conn,
            verifier,
            person.principal,
            DeliveryCreate(
                store_id=data.store_id,
                cooperative_id=data.cooperative_id,
                codes=lines,
                purchase_order=data.purchase_order,
                received_at=_received_at(data),
                notes=data.notes,
            ),
        )

    created = await form.run(conn, action)
    if created is None:
        receipt = None
        if any(line.strip() for line in lines) and len(lines) <= 10_000:
            receipt = await service.receive(conn, verifier, lines)
        return await _receiving_page(
            conn,
            person,
            codes=form.value("codes"),
            receipt=receipt,
            form=form,
            codes_error=form.error("codes") or None,
            status=422,
        )
    return redirect(person, f"/portal/deliveries/{created.id}", notice="delivery_recorded")


@get("/deliveries", summary="Deliveries")
async def deliveries_page(conn: Conn, person: SignedIn, lot: FromQuery[str] = "") -> Any:
    # ?lot=N: the deliveries that held a lot's stamps (a case's lot, for the authority);
    # a lot id that cannot be one (words, beyond 64 bits) matches nothing.
    lot_id = int(lot) if lot.isascii() and lot.isdigit() and 0 < int(lot) < 2**63 else None
    found = (
        []
        if lot and lot_id is None
        else await service.list_deliveries(conn, person.principal, lot_id=lot_id, limit=LIST_LIMIT)
    )
    return render(person, "receiving/deliveries.html", deliveries=found, lot=lot_id or lot)


@get("/deliveries/{delivery_id:int}", summary="A delivery")
async def delivery_page(conn: Conn, person: SignedIn, delivery_id: PathId) -> Any:
    delivery = await service.visible(conn, person.principal, delivery_id)
    return render(person, "receiving/delivery.html", delivery=delivery)


@get("/deliveries/lots/{lot_id:int}", summary="A lot the chain received")
async def received_lot_page(conn: Conn, person: SignedIn, lot_id: PathId) -> Any:
    """The lot's timeline as the chain sees it: the cooperative's public steps, the chain's own
    receiving records, and the chain's deliveries of it (never another chain's)."""
    _chain_of(person)
    received = await service.deliveries_of_received_lot(
        conn, person.principal, lot_id, limit=DELIVERIES
    )
    lot = await lots.get(conn, lot_id)
    area = await areas.find(conn, lot.planting_area_id) if lot.planting_area_id else None
    return render(
        person,
        "receiving/lot.html",
        lot=lot,
        product=await products.get(conn, lot.product_id),
        cooperative=await cooperatives.get(conn, lot.cooperative_id),
        area=area,
        events=await lot_service.timeline(conn, person.principal, lot_id),
        event_kinds=EVENT_KINDS,
        deliveries=received,
    )


HANDLERS = [
    receiving_page,
    check_delivery,
    record_delivery,
    deliveries_page,
    delivery_page,
    received_lot_page,
]
