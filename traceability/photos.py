"""Stamps' QR codes read from photos: the one reader behind every upload (a cooperative's
activation, a clerk's receiving, the public "check from a photo" page).

A photo as a phone takes it (JPEG, PNG, WebP…) may hold several stamps; zxing-cpp reads
every QR code in it (``stamps.render.read_photo_texts``: QR codes only, the image's size
checked from its header before anything is decoded). Here the limits every upload shares:
the bytes of one photo, how many photos at once, decoding off the event loop, each code
once, and how many photos held no code.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from stamps.render import UnreadablePhoto, read_photo_texts
from traceability.errors import InvalidInput

PHOTO_MAX_BYTES = 15 * 1024 * 1024
"""A phone camera's photo is 2-8 MB; more is not a photo of stamps. Read one byte more
than this from an upload, so an oversized photo is seen as such."""
MAX_PHOTOS = 10


def codes_in_photo(data: bytes) -> list[str] | None:
    """The QR texts in one photo (each once), or None when it is not a photo that can be
    read (too large, not an image, truncated, a decompression bomb)."""
    if len(data) > PHOTO_MAX_BYTES:
        return None
    try:
        return read_photo_texts(data)
    except UnreadablePhoto:
        return None


async def codes_in_photos(photos: Sequence[bytes], *, field: str) -> tuple[list[str], int]:
    """Every QR text in the photos (each once, in the order found), and how many photos
    held none. ``field`` is the form field the photos came in, for the error."""
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(
            "Send at most %(max)s photos at a time.", params={"max": MAX_PHOTOS}, field=field
        )
    texts: dict[str, None] = {}
    empty = 0
    for data in photos:
        # Decoding a 12-megapixel photo takes a few hundred milliseconds: off the event loop.
        found = await asyncio.to_thread(codes_in_photo, data)
        if not found:
            empty += 1
        texts.update(dict.fromkeys(found or []))
    return list(texts), empty
