"""Lots and their timelines: list and search, register, correct, delete while nothing hangs
on it, and record what happened to a lot (harvest, packing, shipping…).

The same service as ``/api/v1/lots`` (``registry.lots.service``): the rules, the audit log
and the database's constraints are one, whichever face is used. Dates and times are typed
the Vietnamese way (28/11/2026, 7:30 or 7h30) and are Vietnam time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromQuery

from traceability.clock import VIETNAM
from traceability.deliveries import service as deliveries
from traceability.deps import Conn
from traceability.errors import Conflict
from traceability.inputs import PathId
from traceability.pagination import keyset
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import N_, Text
from traceability.portal.pages.staff import cooperative_of
from traceability.portal.web import SignedIn, redirect, render
from traceability.registry.lots import repository as lots
from traceability.registry.lots import service
from traceability.registry.lots.schemas import (
    EventKind,
    Lot,
    LotCreate,
    LotEventCreate,
    LotPatch,
    Unit,
)
from traceability.registry.planting_areas import repository as areas
from traceability.registry.types import LongText, Quantity, ShortText
from traceability.stamping import repository as stamping

SHOWN = 100
SEARCH_MAX = 60
DELIVERIES = 50
"""A lot's latest deliveries shown on its page (its deliveries page lists them all)."""
UNITS: list[tuple[str, str]] = [
    ("kg", N_("kg")),
    ("t", N_("tonnes")),
    ("g", N_("grams")),
    ("l", N_("litres")),
    ("ml", N_("millilitres")),
    ("box", N_("boxes")),
    ("jar", N_("jars")),
    ("bag", N_("bags")),
    ("piece", N_("pieces")),
]
EVENT_KINDS: list[tuple[str, str]] = [
    ("harvest", N_("Harvest")),
    ("processing", N_("Processing")),
    ("packing", N_("Packing")),
    ("shipping", N_("Shipping")),
    ("receiving", N_("Receiving")),
]
CODE_RULE = N_("Up to 20 letters without accents, digits, dots, dashes or underscores.")
TIME_RULE = N_("Type the time as 7:30 or 7h30.")
_TIME = re.compile(r"^([01]?\d|2[0-3])\s*[:hH.]\s*([0-5]\d)?$")
TimeText = Annotated[str, msgspec.Meta(max_length=8)]


class LotFields(msgspec.Struct, frozen=True):
    """A lot as the edit form holds it: every field, so a blank one clears it."""

    harvested_on: date
    quantity: Quantity
    unit: Unit
    planting_area_id: int | None = None
    expires_on: date | None = None


class EventFields(msgspec.Struct, frozen=True):
    kind: EventKind
    day: date
    at: TimeText
    place: ShortText
    actor: ShortText
    notes: LongText | None = None


def parse_time(text: str) -> time | None:
    match = _TIME.match(text.strip())
    if not match:
        return None
    return time(int(match.group(1)), int(match.group(2) or 0))


async def _choices(conn: Conn, coop: int) -> dict[str, Any]:
    products = await stamping.order_products(conn, coop)
    found = await areas.list_areas(
        conn, cooperative_id=coop, crop=None, keys=keyset("code", "code", None, 200)
    )
    return {
        "product_choices": [(p.id, p.name) for p in products],
        "area_choices": [(a.id, f"{a.code} · {a.name or a.crop}") for a in found],
        "area_names": {a.id: f"{a.code} · {a.name or a.crop}" for a in found},
        "units": UNITS,
        "event_kinds": EVENT_KINDS,
    }


async def _list_page(
    conn: Conn, person: SignedIn, form: Form[Any], q: str = "", status: int = 200
) -> Any:
    coop = cooperative_of(person)
    found = await lots.search(conn, coop, q, SHOWN)
    return render(
        person,
        "registry/lots.html",
        form=form,
        lots=found,
        q=q,
        more=len(found) == SHOWN,
        status=status,
        **await _choices(conn, coop),
    )


@get("/lots", summary="Lots")
async def lots_page(conn: Conn, person: SignedIn, q: FromQuery[str] = "") -> Any:
    return await _list_page(
        conn, person, Form(person.t, {"unit": "kg"}), " ".join(q[:SEARCH_MAX].split())
    )


@post("/lots", summary="Register a lot")
async def create_lot(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    cooperative_of(person)
    form = await read_form(request, LotCreate, person.t, messages={"code": CODE_RULE})
    lot = await form.run(conn, lambda data: service.create_lot(conn, person.principal, data))
    if lot is None:
        return await _list_page(conn, person, form, status=422)
    return redirect(person, f"/portal/lots/{lot.id}", notice="saved")


async def _lot_page(
    conn: Conn,
    person: SignedIn,
    lot: Lot,
    *,
    edit_form: Form[Any] | None = None,
    event_form: Form[Any] | None = None,
    delete_form: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    coop = cooperative_of(person)
    if edit_form is None:
        edit_form = Form(
            person.t,
            {
                "harvested_on": person.t.date(lot.harvested_on),
                "quantity": person.t.number(lot.quantity),
                "unit": lot.unit,
                "planting_area_id": str(lot.planting_area_id or ""),
                "expires_on": person.t.date(lot.expires_on) if lot.expires_on else "",
            },
        )
    choices = await _choices(conn, coop)
    product = dict(choices["product_choices"]).get(lot.product_id, "")
    return render(
        person,
        "registry/lot.html",
        lot=lot,
        product_name=product,
        events=await service.timeline(conn, person.principal, lot.id),
        # Private: the chains' deliveries holding the lot's stamps (the API's own service,
        # as GET /api/v1/deliveries?lot_id= answers it); never on consumers' pages.
        deliveries=await deliveries.list_deliveries(
            conn, person.principal, lot_id=lot.id, limit=DELIVERIES
        ),
        stamps=await stamping.stamps_ordered_for_lot(conn, lot.id),
        edit_form=edit_form,
        event_form=event_form or Form(person.t, {"kind": "harvest"}),
        delete_form=delete_form or Form(person.t),
        status=status,
        **choices,
    )


async def _own(conn: Conn, person: SignedIn, lot_id: int) -> Lot:
    cooperative_of(person)
    return await service.owned_lot(conn, person.principal, lot_id)  # another's: 404


@get("/lots/{lot_id:int}", summary="A lot and its timeline")
async def lot_page(conn: Conn, person: SignedIn, lot_id: PathId) -> Any:
    return await _lot_page(conn, person, await _own(conn, person, lot_id))


@post("/lots/{lot_id:int}", summary="Correct a lot")
async def update_lot(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, lot_id: PathId
) -> Any:
    lot = await _own(conn, person, lot_id)
    form = await read_form(request, LotFields, person.t)

    def patch(fields: LotFields) -> Any:
        change = LotPatch(
            harvested_on=fields.harvested_on,
            quantity=fields.quantity,
            unit=fields.unit,
            planting_area_id=fields.planting_area_id,
            expires_on=fields.expires_on,
        )
        return service.update_lot(conn, person.principal, lot.id, change)

    saved = await form.run(conn, patch)
    if saved is None:
        return await _lot_page(conn, person, lot, edit_form=form, status=422)
    return redirect(person, f"/portal/lots/{lot.id}", notice="saved")


@post("/lots/{lot_id:int}/events", summary="Record what happened to a lot")
async def record_event(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, lot_id: PathId
) -> Any:
    lot = await _own(conn, person, lot_id)
    form = await read_form(request, EventFields, person.t)
    if form.ok and parse_time(form.data.at) is None:
        form.fail("at", Text(TIME_RULE))
    if form.ok:
        fields = form.data
        at = parse_time(fields.at)
        assert at is not None
        event = LotEventCreate(
            kind=fields.kind,
            occurred_at=datetime.combine(fields.day, at, tzinfo=VIETNAM),
            place=fields.place,
            actor=fields.actor,
            notes=fields.notes,
        )
        done = await form.run(
            conn, lambda _: service.record_event(conn, person.principal, lot.id, event)
        )
        if done is not None:
            return redirect(person, f"/portal/lots/{lot.id}#timeline", notice="saved")
    return await _lot_page(conn, person, lot, event_form=form, status=422)


@post("/lots/{lot_id:int}/delete", summary="Delete a lot")
async def delete_lot(conn: Conn, person: SignedIn, lot_id: PathId) -> Any:
    lot = await _own(conn, person, lot_id)
    try:
        async with conn.transaction():
            await service.delete_lot(conn, person.principal, lot.id)
    except Conflict as exc:  # a timeline or stamps hang on it
        form: Form[Any] = Form(person.t)
        form.fail_with(exc)
        return await _lot_page(conn, person, lot, delete_form=form, status=409)
    return redirect(person, "/portal/lots", notice="lot_deleted")


HANDLERS = [lots_page, create_lot, lot_page, update_lot, record_event, delete_lot]
