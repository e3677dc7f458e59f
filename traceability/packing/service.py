"""Packing stamped items into cartons: which batch and lot each serial range is, and who may."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from traceability import clock
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.errors import Forbidden, InvalidInput, NotFound
from traceability.packing import repository
from traceability.packing.schemas import Carton, CartonCreate, SerialRange
from traceability.registry.access import acting_cooperative, check_owner

CLOCK_SKEW = timedelta(minutes=5)


async def _content(
    conn: asyncpg.Connection, principal: Principal, part: SerialRange
) -> tuple[int, int, int, int, int]:
    """(cooperative, batch, lot, first, last) of one range, or the reason it cannot be packed."""
    first, last = part.first_serial, part.last_serial
    where = f"Stamps {first}–{last}" if first != last else f"Stamp {first}"
    batch = await repository.range_batch(conn, first, last)
    if batch is None:
        raise InvalidInput(f"{where} are not all in one stamp batch: send one range per batch.")
    check_owner(principal, batch["cooperative_id"], f"{where} are not in any of your batches.")
    lots = await repository.range_lots(conn, batch["id"], first, last)
    count = last - first + 1
    if not lots and batch["lot_id"] is not None:
        lot_id = batch["lot_id"]
    elif len(lots) == 1 and lots[0][1] >= count:
        lot_id = lots[0][0]
    elif not lots:
        raise InvalidInput(
            f"{where} carry no lot yet: activate them on a lot (assign_lot_id) before packing."
        )
    else:
        raise InvalidInput(f"{where} carry more than one lot: send one range per lot.")
    return batch["cooperative_id"], batch["id"], lot_id, first, last


async def pack(
    conn: asyncpg.Connection, principal: Principal, data: CartonCreate, now: datetime
) -> Carton:
    packed_at = data.packed_at or now
    if packed_at > now + CLOCK_SKEW:
        raise InvalidInput("A carton cannot be packed in the future.")
    contents = [await _content(conn, principal, part) for part in data.contents]
    owners = {content[0] for content in contents}
    if len(owners) > 1:
        raise InvalidInput("A carton holds the stamps of one cooperative.")
    cooperative_id = acting_cooperative(principal, data.cooperative_id or owners.pop())
    if contents[0][0] != cooperative_id:
        raise Forbidden("These stamps belong to another cooperative than the one named.")
    for lot_id in {content[2] for content in contents}:
        harvested = await repository.lot_harvest(conn, lot_id)
        if packed_at < clock.day_start(harvested):
            raise InvalidInput(f"Lot {lot_id} was harvested on {harvested}, after packed_at.")
    carton_id = await repository.insert(
        conn, cooperative_id, data.sscc, packed_at, data.place_gln, principal.key_id,
        [content[1:] for content in contents],
    )  # fmt: skip
    carton = await get(conn, carton_id)
    await record(
        conn, principal, "create", "carton", carton_id, cooperative_id=cooperative_id, after=carton
    )
    return carton


async def get(conn: asyncpg.Connection, carton_id: int) -> Carton:
    carton = await repository.find(conn, carton_id) if 0 < carton_id < 2**63 else None
    if carton is None:
        raise NotFound(f"No carton {carton_id}.")
    return carton


async def unpack(
    conn: asyncpg.Connection, principal: Principal, carton_id: int, at: datetime | None,
    now: datetime,
) -> Carton:  # fmt: skip
    carton = await get(conn, carton_id)
    check_owner(principal, carton.cooperative_id, f"No carton {carton_id}.")
    when = at or now
    if when < carton.packed_at or when > now + CLOCK_SKEW:
        raise InvalidInput("unpacked_at must lie between the packing and now.")
    if not await repository.unpack(conn, carton_id, when):
        raise InvalidInput(f"Carton {carton.sscc} was already unpacked.")
    unpacked = await get(conn, carton_id)
    await record(
        conn, principal, "unpack", "carton", carton_id, cooperative_id=carton.cooperative_id,
        before=carton, after=unpacked,
    )  # fmt: skip
    return unpacked
