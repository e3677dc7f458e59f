"""The public front page: what the stamps are, check one by its link or a photo, sign in."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.params import FromPath, FromQuery

from stamps import InvalidStamp, decode
from traceability.photos import PHOTO_MAX_BYTES, codes_in_photo
from traceability.portal.forms import Form
from traceability.portal.i18n import LANGUAGES, N_, Text
from traceability.portal.web import LANG_COOKIE, AnyViewer, redirect, render, safe_next

NOT_A_STAMP = N_(
    "This is not a stamp's link. Scan the QR code with your phone's camera, or copy the "
    "whole link under it."
)
ONLY_NUMBER = N_(
    "The number printed on a stamp cannot prove it is genuine (it can be copied). "
    "Scan the QR code or upload a photo of the stamp."
)
NO_PHOTO = N_("Choose a photo of the stamp.")
NO_QR = N_(
    "No QR code could be read in this photo. Take it again in good light, with the whole "
    "stamp in the picture and in focus."
)
NOT_OUR_QR = N_("The QR code in this photo is not one of our stamps.")

_SERIAL = re.compile(r"^\s*(số|so|no\.?)?\s*[0-9][0-9. ]{0,20}\s*$", re.IGNORECASE)


def _scan_path(text: str) -> str | None:
    """The scan page of a stamp's link or code (its signature is checked there)."""
    try:
        stamp = decode(text.strip())
    except InvalidStamp:
        return None
    return f"/s/{stamp.code}"


@get("/", summary="Front page", include_in_schema=False)
async def front_page(viewer: AnyViewer) -> Any:
    return render(viewer, "public/home.html", form=Form(viewer.t))


@get("/check", summary="Check a stamp by its link or code", include_in_schema=False)
async def check_code(viewer: AnyViewer, code: FromQuery[str] = "") -> Any:
    form: Form[Any] = Form(viewer.t, {"code": code[:2000]})
    path = _scan_path(code[:2000]) if code.strip() else None
    if path is not None:
        return redirect(None, path)
    if not code.strip():
        form.fail("code", Text(N_("Fill in this field.")))
    elif _SERIAL.match(code):
        form.fail("code", Text(ONLY_NUMBER))
    else:
        form.fail("code", Text(NOT_A_STAMP))
    return render(viewer, "public/home.html", form=form, status=422)


@post("/check", summary="Check a stamp from a photo", include_in_schema=False)
async def check_photo(request: Request[Any, Any, Any], viewer: AnyViewer) -> Any:
    """The photo is decoded here on the server (zxing-cpp): no app, no JavaScript needed."""
    form: Form[Any] = Form(viewer.t)
    posted = await request.form()
    photo = posted.get("photo")
    if not isinstance(photo, UploadFile) or not photo.filename:
        form.fail("photo", Text(NO_PHOTO))
        return render(viewer, "public/home.html", form=form, status=422)
    data = await photo.read(PHOTO_MAX_BYTES + 1)
    texts = await asyncio.to_thread(codes_in_photo, data)  # off the loop: 100s of ms
    if not texts:
        form.fail("photo", Text(NO_QR))
        return render(viewer, "public/home.html", form=form, status=422)
    for text in texts:
        if path := _scan_path(text):
            return redirect(None, path)
    form.fail("photo", Text(NOT_OUR_QR))
    return render(viewer, "public/home.html", form=form, status=422)


@get("/lang/{code:str}", summary="Choose the language", include_in_schema=False)
async def choose_language(
    viewer: AnyViewer, code: FromPath[str], next: FromQuery[str] = "/"
) -> Any:
    """Before signing in, the language is a cookie; a signed-in person's is in their account."""
    response = redirect(viewer, safe_next(next, "/"))
    if code in LANGUAGES:
        response.set_cookie(
            Cookie(
                key=LANG_COOKIE,
                value=code,
                path="/",
                max_age=365 * 24 * 3600,
                samesite="lax",
                secure=viewer.settings.secure_cookies,
            )
        )
    return response


HANDLERS = [front_page, check_code, check_photo, choose_language]
