"""Stamps read from photos: staff photograph the first and the last stamp of a roll (or a
sheet holding several) and the server reads every QR code in them (zxing-cpp), checks each
signature, and proposes the serial range to activate, for a person to confirm.

Only this cooperative's stamps are named; a genuine stamp of another cooperative is counted,
never described, so a photo cannot be used to learn about another tenant's orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby

import asyncpg
import msgspec
from litestar.datastructures import UploadFile

from stamps import InvalidStamp, KeyRing, Stamp, verify
from traceability.accounts.repository import Principal
from traceability.errors import InvalidInput
from traceability.photos import codes_in_photos
from traceability.registry.access import may_manage
from traceability.scanning.schemas import OrderStatus, order_status
from traceability.stamping import repository as repo

MAX_CODES = 500
"""A photo of a whole A4 sheet holds at most 40 labels; this bounds the lookups a request
can cause."""


@dataclass
class PhotoUpload:
    """The form as it is posted (multipart): one or more files named ``photo``.

    A form with no part at all is read as no photo (a 422 that says so): Litestar's reader of a
    bare ``list[UploadFile]`` body fails on an empty form.
    """

    photo: list[UploadFile] = field(default_factory=list)


class PhotoStamp(msgspec.Struct, frozen=True):
    """One of the cooperative's stamps found in the photos."""

    serial: int
    batch_id: int
    product_id: int
    product_name: str
    lot_id: int | None
    active: bool
    revoked: bool
    order_status: OrderStatus


class PhotoRange(msgspec.Struct, frozen=True):
    """What to activate: from the lowest to the highest serial found in one order."""

    batch_id: int
    product_id: int
    product_name: str
    lot_id: int | None
    """The order's lot (or the lot of the stamps' activation, if one was named)."""
    first_serial: int
    last_serial: int
    count: int
    already_active: int
    """Stamps of the range that are active already (activating them again changes nothing)."""
    order_status: OrderStatus


class PhotoReading(msgspec.Struct, frozen=True):
    photos: int
    photos_without_code: int
    """Photos in which no QR code could be read (blurred, dark, or no code in them)."""
    stamps: list[PhotoStamp]
    """The cooperative's own stamps found, each once, by serial."""
    ranges: list[PhotoRange]
    """One proposed range per order the stamps belong to."""
    codes_not_ours: int
    """QR codes that are not stamps of this service (another QR, a copy with a wrong
    signature, a revoked signing key)."""
    stamps_of_others: int
    """Genuine stamps of another cooperative."""


async def read_codes(photos: Sequence[bytes]) -> tuple[list[str], int]:
    """Every QR text in the photos (each once), and how many photos held none."""
    if not photos:
        raise InvalidInput("Send a photo of the stamps.", field="photo")
    texts, empty = await codes_in_photos(photos, field="photo")
    return texts[:MAX_CODES], empty


def verified(texts: Sequence[str], ring: KeyRing) -> tuple[list[Stamp], int]:
    """The texts that are genuine stamps (signature checked), and how many are not."""
    stamps: dict[int, Stamp] = {}
    bad = 0
    for text in texts:
        try:
            stamp = verify(text, ring)
        except InvalidStamp:
            bad += 1
            continue
        stamps[stamp.serial] = stamp
    return [stamps[s] for s in sorted(stamps)], bad


async def read_photos(
    conn: asyncpg.Connection, principal: Principal, ring: KeyRing, photos: Sequence[bytes]
) -> PhotoReading:
    """The stamps in the photos and the range of each order they belong to."""
    texts, empty = await read_codes(photos)
    if empty == len(photos):
        raise InvalidInput(
            "No QR code could be read in the photo. Take it again in good light, close enough "
            "that the code fills a good part of the picture, and in focus.",
            field="photo",
        )
    stamps, not_ours = verified(texts, ring)
    return await reading_of(conn, principal, stamps, len(photos), empty, not_ours)


async def reading_of(
    conn: asyncpg.Connection,
    principal: Principal,
    stamps: Sequence[Stamp],
    photos: int,
    empty: int,
    not_ours: int,
) -> PhotoReading:
    states = await repo.serial_states(conn, [s.serial for s in stamps])
    mine = [s for s in states if may_manage(principal, s["cooperative_id"])]
    # A genuine code in no order (serials never issued) is as good as a foreign one.
    not_ours += len(stamps) - len(states)
    found = [
        PhotoStamp(
            serial=s["serial"],
            batch_id=s["batch_id"],
            product_id=s["product_id"],
            product_name=s["product_name"],
            lot_id=s["lot_id"],
            active=s["active"],
            revoked=s["revoked"],
            order_status=_status(s),
        )
        for s in mine
    ]
    ranges = []
    for batch_id, group in groupby(found, key=lambda s: s.batch_id):
        members = list(group)
        first, last = members[0].serial, members[-1].serial
        ranges.append(
            PhotoRange(
                batch_id=batch_id,
                product_id=members[0].product_id,
                product_name=members[0].product_name,
                lot_id=members[0].lot_id,
                first_serial=first,
                last_serial=last,
                count=last - first + 1,
                already_active=await repo.active_in_range(conn, batch_id, first, last),
                order_status=members[0].order_status,
            )
        )
    return PhotoReading(
        photos=photos,
        photos_without_code=empty,
        stamps=found,
        ranges=ranges,
        codes_not_ours=not_ours,
        stamps_of_others=len(states) - len(mine),
    )


def _status(row: asyncpg.Record) -> OrderStatus:
    return order_status(
        {
            "cancelled_at": row["cancelled_at"],
            "activated": row["batch_activated"],
            "downloaded_at": row["downloaded_at"],
        }
    )
