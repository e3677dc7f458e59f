"""A stamp's story: type the number printed under its QR, or photograph it.

The same service as ``/api/v1/stamps/{serial}/story``: another cooperative's stamp is not
found, here as there.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery

from traceability.deps import Conn
from traceability.errors import InvalidInput, NotFound
from traceability.inputs import PathSerial
from traceability.pagination import Cursor
from traceability.photos import PHOTO_MAX_BYTES
from traceability.portal.forms import Form
from traceability.portal.i18n import N_, Text
from traceability.portal.pages.staff import cooperative_of
from traceability.portal.web import SignedIn, redirect, render
from traceability.scanning import story
from traceability.signing import Keys
from traceability.stamping import photos

SCANS_PER_PAGE = 50
NO_STAMP_OF_OURS = N_("None of the QR codes in this photo is a stamp of your cooperative.")


async def _lookup_page(person: SignedIn, form: Form[Any], status: int = 200, **extra: Any) -> Any:
    cooperative_of(person)
    return render(person, "stamps/lookup.html", form=form, status=status, **extra)


@get("/stamps", summary="Look up a stamp")
async def lookup_page(conn: Conn, person: SignedIn, keys: Keys, serial: FromQuery[str] = "") -> Any:
    form: Form[Any] = Form(person.t, {"serial": serial[:60]})
    if not serial.strip():
        return await _lookup_page(person, form)
    try:
        number = story.parse_serial(serial[:60])
        await story.stamp_story(conn, person.principal, keys.ring, number, 1)
    except (InvalidInput, NotFound) as exc:
        form.fail("serial", Text(exc.message, **exc.params))
        return await _lookup_page(
            person, form, status=422 if isinstance(exc, InvalidInput) else 404
        )
    return redirect(person, f"/portal/stamps/{number}")


@post("/stamps/photo", summary="Look up stamps from a photo")
async def lookup_photo(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, keys: Keys
) -> Any:
    cooperative_of(person)
    form: Form[Any] = Form(person.t)
    upload = (await request.form()).get("photo")
    data = [await upload.read(PHOTO_MAX_BYTES + 1)] if isinstance(upload, UploadFile) else []
    try:
        reading = await photos.read_photos(conn, person.principal, keys.ring, data)
    except InvalidInput as exc:
        form.fail("photo", Text(exc.message, **exc.params))
        return await _lookup_page(person, form, status=422)
    if not reading.stamps:
        form.fail("photo", Text(NO_STAMP_OF_OURS))
        return await _lookup_page(person, form, status=422)
    if len(reading.stamps) == 1:
        return redirect(person, f"/portal/stamps/{reading.stamps[0].serial}")
    return await _lookup_page(person, form, found=reading.stamps)


@get("/stamps/{serial:int}", summary="A stamp's story")
async def story_page(
    conn: Conn, person: SignedIn, keys: Keys, serial: PathSerial, cursor: Cursor = None
) -> Any:
    cooperative_of(person)
    told = await story.stamp_story(conn, person.principal, keys.ring, serial, SCANS_PER_PAGE)
    scans, next_cursor = told.scans, told.next_cursor
    if cursor:
        page = await story.stamp_scans(conn, serial, cursor, SCANS_PER_PAGE)
        scans, next_cursor = page.items, page.next_cursor
    return render(
        person,
        "stamps/story.html",
        story=told,
        scans=scans,
        next_cursor=next_cursor,
        older=bool(cursor),
    )


HANDLERS = [lookup_page, lookup_photo, story_page]
