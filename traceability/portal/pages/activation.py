"""Activating stamps once they are on the boxes: by photo, by serial range, or by lot.

By photo: staff photograph the first and the last stamp of a roll (the file inputs open the
phone's camera, no JavaScript needed); the server reads the QR codes and shows the range for
a person to confirm. The same services as ``/api/v1/stamps/photo-reading`` and
``/api/v1/stamps/activations``.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile

from traceability.deps import Conn, OnCommit
from traceability.errors import InvalidInput, NotFound
from traceability.inputs import Id
from traceability.photos import PHOTO_MAX_BYTES
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import N_, Text
from traceability.portal.pages.staff import cooperative_of
from traceability.portal.web import SignedIn, redirect, render
from traceability.scanning.service import Cache
from traceability.scanning.story import parse_serial
from traceability.signing import Keys
from traceability.stamping import photos, service
from traceability.stamping import repository as repo
from traceability.stamping.schemas import ActivationRequest

PHOTO_FIELDS = ("photo_first", "photo_last")
BELOW_FIRST = N_("The last number must not be below the first.")
SerialText = Annotated[str, msgspec.Meta(max_length=40)]


class RangeFields(msgspec.Struct, frozen=True):
    """Serials as printed under the QR ("Số 1.234.567"), and the lot the stamps are on."""

    first_serial: SerialText
    last_serial: SerialText
    assign_lot_id: Id | None = None


class LotFields(msgspec.Struct, frozen=True):
    lot_id: Id


def _blank(person: SignedIn) -> Form[Any]:
    return Form(person.t)


async def _page(
    conn: Conn,
    person: SignedIn,
    *,
    range_form: Form[Any] | None = None,
    lot_form: Form[Any] | None = None,
    photo_form: Form[Any] | None = None,
    reading: photos.PhotoReading | None = None,
    status: int = 200,
) -> Any:
    coop = cooperative_of(person)
    products = await repo.order_products(conn, coop)
    return render(
        person,
        "activation/activate.html",
        range_form=range_form or _blank(person),
        lot_form=lot_form or _blank(person),
        photo_form=photo_form or _blank(person),
        reading=reading,
        lot_groups=[(p.name, p.lots) for p in products],
        lot_names={lot_id: code for p in products for lot_id, code in p.lots},
        status=status,
    )


@get("/activate", summary="Activate stamps")
async def activate_page(conn: Conn, person: SignedIn) -> Any:
    return await _page(conn, person)


@post("/activate/photos", summary="Read stamps from photos, to confirm the range")
async def read_photos(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, keys: Keys
) -> Any:
    cooperative_of(person)
    posted = await request.form()
    form: Form[Any] = Form(person.t)
    contents = []
    for name in PHOTO_FIELDS:
        upload = posted.get(name)
        if isinstance(upload, UploadFile) and upload.filename:
            contents.append(await upload.read(PHOTO_MAX_BYTES + 1))
    try:
        reading = await photos.read_photos(conn, person.principal, keys.ring, contents)
    except InvalidInput as exc:
        form.fail("photo_first", Text(exc.message, **exc.params))
        return await _page(conn, person, photo_form=form, status=422)
    return await _page(conn, person, reading=reading)


async def _activate(
    conn: Conn,
    person: SignedIn,
    cache: Cache,
    after_commit: OnCommit,
    form: Form[Any],
    request: ActivationRequest,
    field: str,
) -> Any:
    try:
        done = await form.run(conn, lambda _: service.activate(conn, person.principal, request))
    except NotFound as exc:  # a serial or lot of none of the cooperative's orders
        form.fail(field, Text(exc.message, **exc.params))
        done = None
    if done is None:
        return None
    result, batches = done
    after_commit(lambda: cache.forget_batches(batches))
    notice = (
        "already_active"
        if not result.newly_active
        else "partly_active"
        if result.already_active
        else "activated"
    )
    target = f"/portal/orders/{min(batches)}" if batches else "/portal/activate"
    return redirect(person, target, notice=notice)


@post("/activate", summary="Activate a range of stamps")
async def activate_range(
    request: Request[Any, Any, Any],
    conn: Conn,
    person: SignedIn,
    cache: Cache,
    after_commit: OnCommit,
) -> Any:
    cooperative_of(person)
    form = await read_form(request, RangeFields, person.t)
    selection = None
    if form.ok:
        try:
            first = parse_serial(form.data.first_serial)
        except InvalidInput as exc:
            form.fail("first_serial", Text(exc.message))
        try:
            last = parse_serial(form.data.last_serial)
        except InvalidInput as exc:
            form.fail("last_serial", Text(exc.message))
        if not form.errors:
            try:
                selection = ActivationRequest(
                    first_serial=first,
                    last_serial=last,
                    assign_lot_id=form.data.assign_lot_id,
                )
            except (InvalidInput, msgspec.ValidationError):
                form.fail("last_serial", Text(BELOW_FIRST))
    if selection is not None:
        answer = await _activate(conn, person, cache, after_commit, form, selection, "first_serial")
        if answer is not None:
            return answer
    return await _page(conn, person, range_form=form, status=422)


@post("/activate/lot", summary="Activate the stamps ordered for a lot")
async def activate_lot(
    request: Request[Any, Any, Any],
    conn: Conn,
    person: SignedIn,
    cache: Cache,
    after_commit: OnCommit,
) -> Any:
    cooperative_of(person)
    form = await read_form(request, LotFields, person.t)
    if form.ok:
        answer = await _activate(
            conn,
            person,
            cache,
            after_commit,
            form,
            ActivationRequest(lot_id=form.data.lot_id),
            "lot_id",
        )
        if answer is not None:
            return answer
    return await _page(conn, person, lot_form=form, status=422)


HANDLERS = [activate_page, read_photos, activate_range, activate_lot]
