"""Receiving at the dock and recording deliveries: the rules shared by the API and the portal.

A clerk's scanner types each code followed by Enter; what arrives is a list of lines, some
blank, some scanned twice, some garbage. ``receive`` checks them with the one bulk
classification (``verification.checking``) and answers a summary by outcome and a line per
distinct stamp. Checking is never a consumer scan: nothing is written and no counter moves.

A recorded delivery is private: its chain, the authority, and the cooperatives whose goods
it holds (its supplier, and the owners of its stamps' lots) see it; any other caller gets
404, the answer for a delivery that does not exist.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import asyncpg

from traceability import clock
from traceability import photos as photos_reader
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.chains import repository as chains
from traceability.chains.access import own_chain
from traceability.deliveries import repository as deliveries
from traceability.deliveries.schemas import (
    MAX_CODES,
    Delivery,
    DeliveryCreate,
    Receipt,
    ReceivedLine,
)
from traceability.errors import InvalidInput, NotFound
from traceability.verification.checking import verify_codes
from traceability.verification.schemas import StatusCounts
from traceability.verification.service import BulkVerifier

CLOCK_SKEW = timedelta(minutes=5)


async def codes_in_photos(photos: Sequence[bytes]) -> tuple[list[str], int]:
    """Every QR text in the photos (several stamps per photo), and how many held none."""
    return await photos_reader.codes_in_photos(photos, field="photos")


def split_lines(text: str) -> list[str]:
    """The lines a scanner (or a paste) typed into the box, as they came."""
    return text.splitlines()


async def receive(conn: asyncpg.Connection, verifier: BulkVerifier, codes: list[str]) -> Receipt:
    """What a delivery's codes are: blank lines skipped, each stamp counted once however
    often (and in whichever form, code or URL) it was scanned."""
    seen: set[str] = set()
    distinct: list[str] = []
    duplicates = blank = 0
    for raw in codes:
        code = raw.strip()
        if not code:
            blank += 1
        elif code in seen:
            duplicates += 1
        else:
            seen.add(code)
            distinct.append(code)
    if not distinct:
        raise InvalidInput("Scan or paste at least one stamp code.", field="codes")
    if len(distinct) > MAX_CODES:
        raise InvalidInput(
            "At most 10,000 stamps at once: record a large delivery in parts.",
            field="codes",
        )
    result = await verify_codes(conn, verifier, distinct)
    lines: list[ReceivedLine] = []
    serials: set[int] = set()
    for code, stamp in zip(distinct, result.items, strict=True):
        if stamp.valid and stamp.serial is not None:
            if stamp.serial in serials:  # the same stamp as its URL and as its code
                duplicates += 1
                continue
            serials.add(stamp.serial)
        lines.append(ReceivedLine(code=code, stamp=stamp))
    counts: Counter[str] = Counter(line.stamp.status for line in lines)
    return Receipt(
        by_status=StatusCounts(**counts), lines=lines, duplicates=duplicates, blank=blank
    )


async def record_delivery(
    conn: asyncpg.Connection, verifier: BulkVerifier, principal: Principal, data: DeliveryCreate
) -> Delivery:
    """A chain's person or key records what one of its stores received."""
    chain_id = own_chain(principal)
    store = await chains.find_store(conn, data.store_id)
    if store is None or store.chain_id != chain_id:
        raise NotFound(f"No store {data.store_id}.")
    if store.closed_at is not None:
        raise InvalidInput("This store is closed: choose an open one.", field="store_id")
    if not await deliveries.cooperative_exists(conn, data.cooperative_id):
        raise InvalidInput("There is no such cooperative.", field="cooperative_id")
    now = clock.now()
    received_at = data.received_at or now
    if received_at > now + CLOCK_SKEW:
        raise InvalidInput("The delivery cannot arrive in the future.", field="received_at")
    receipt = await receive(conn, verifier, data.codes)
    delivery_id = await deliveries.insert(
        conn,
        chain_id=chain_id,
        store_id=store.id,
        cooperative_id=data.cooperative_id,
        purchase_order=data.purchase_order,
        received_at=received_at,
        notes=data.notes,
        counts=receipt.by_status,
        stamps=[
            line.stamp
            for line in receipt.lines
            if line.stamp.valid and line.stamp.serial is not None
        ],
        user_id=principal.user_id,
        key_id=principal.key_id,
    )
    created = await deliveries.with_lots(conn, await deliveries.get(conn, delivery_id), None)
    await record(
        conn, principal, "create", "delivery", delivery_id,
        cooperative_id=data.cooperative_id, after=created,
    )  # fmt: skip
    return created


def _scope(principal: Principal) -> tuple[int | None, int | None]:
    """(chain, cooperative) a caller's lists are limited to; (None, None) for the authority."""
    if principal.is_authority:
        return None, None
    if principal.role == "retailer":
        return own_chain(principal), None
    return None, principal.cooperative_id


async def visible(conn: asyncpg.Connection, principal: Principal, delivery_id: int) -> Delivery:
    """One delivery, with the lots the caller may see; to anyone else it does not exist."""
    chain_id, cooperative_id = _scope(principal)
    row = await deliveries.find(conn, delivery_id)
    missing = NotFound(f"No delivery {delivery_id}.")
    if row is None:
        raise missing
    if chain_id is not None and row["chain_id"] != chain_id:
        raise missing
    if cooperative_id is not None and cooperative_id not in await deliveries.cooperatives_of(
        conn, delivery_id, row["cooperative_id"]
    ):
        raise missing
    return await deliveries.with_lots(conn, row, cooperative_id)


async def deliveries_of_received_lot(
    conn: asyncpg.Connection, principal: Principal, lot_id: int, *, limit: int
) -> list[Delivery]:
    """A chain's deliveries that held the lot's stamps, newest first: what lets its people
    open the lot's timeline. A lot the chain never received reads as missing."""
    own_chain(principal)
    found = await list_deliveries(conn, principal, lot_id=lot_id, limit=limit)
    if not found:
        raise NotFound(f"No lot {lot_id}.")
    return found


async def list_deliveries(
    conn: asyncpg.Connection,
    principal: Principal,
    *,
    lot_id: int | None = None,
    store_id: int | None = None,
    before: int | None = None,
    limit: int,
) -> list[Delivery]:
    """Newest first, those the caller may see (a lot's deliveries with ``lot_id``)."""
    chain_id, cooperative_id = _scope(principal)
    return await deliveries.list_for(
        conn,
        chain_id=chain_id,
        cooperative_id=cooperative_id,
        lot_id=lot_id,
        store_id=store_id,
        before=before,
        limit=limit,
    )
