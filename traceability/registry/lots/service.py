"""The rules for lots and their timelines, shared by ``/api/v1/lots`` and the portal's pages."""

from __future__ import annotations

import asyncpg

from traceability import clock
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.registry.access import (
    check_owner,
    check_same_cooperative,
    event_is_public,
    may_manage,
)
from traceability.registry.lots import repository as lots
from traceability.registry.lots.schemas import (
    Lot,
    LotCreate,
    LotEvent,
    LotEventCreate,
    LotPatch,
    check_within_lot_life,
)
from traceability.registry.planting_areas import repository as areas
from traceability.registry.products.service import owned_product
from traceability.registry.types import apply_patch


async def create_lot(conn: asyncpg.Connection, principal: Principal, data: LotCreate) -> Lot:
    product = await owned_product(conn, principal, data.product_id)
    await _check_planting_area(conn, principal, data.planting_area_id, product.cooperative_id)
    created = await lots.insert(conn, data)
    await record(
        conn, principal, "create", "lot", created.id,
        cooperative_id=created.cooperative_id, after=created,
    )  # fmt: skip
    return created


async def owned_lot(conn: asyncpg.Connection, principal: Principal, lot_id: int) -> Lot:
    """The lot, if ``principal`` may change it (another cooperative's lot is not found)."""
    found = await lots.get(conn, lot_id)
    check_owner(principal, found.cooperative_id, f"No lot {lot_id}.")
    return found


async def update_lot(
    conn: asyncpg.Connection, principal: Principal, lot_id: int, data: LotPatch
) -> Lot:
    before = await owned_lot(conn, principal, lot_id)
    merged = apply_patch(before, data, LotCreate)
    await _check_planting_area(conn, principal, merged.planting_area_id, before.cooperative_id)
    after = await lots.update(conn, lot_id, merged)
    await record(
        conn, principal, "update", "lot", lot_id,
        cooperative_id=before.cooperative_id, before=before, after=after,
    )  # fmt: skip
    return after


async def delete_lot(conn: asyncpg.Connection, principal: Principal, lot_id: int) -> None:
    before = await owned_lot(conn, principal, lot_id)
    await lots.delete(conn, lot_id)
    await record(
        conn, principal, "delete", "lot", lot_id,
        cooperative_id=before.cooperative_id, before=before,
    )  # fmt: skip


async def timeline(conn: asyncpg.Connection, principal: Principal, lot_id: int) -> list[LotEvent]:
    """The lot's timeline as ``principal`` may read it: the public events, plus every private
    record (a retailer's receiving) for the lot's cooperative and the authority, plus those the
    caller's own key recorded."""
    lot = await lots.get(conn, lot_id)
    return await lots.timeline(
        conn,
        lot_id,
        everything=may_manage(principal, lot.cooperative_id),
        key_id=principal.key_id,
    )


async def record_event(
    conn: asyncpg.Connection, principal: Principal, lot_id: int, data: LotEventCreate
) -> LotEvent:
    """Only the lot's cooperative writes its public timeline; a retailer's receiving is private
    (never on consumer pages), and no event is dated before the harvest or in the future."""
    lot = await lots.get(conn, lot_id)
    public = event_is_public(principal, lot.cooperative_id, data.kind, f"No lot {lot_id}.")
    check_within_lot_life(data.occurred_at, lot.harvested_on, clock.now())
    created = await lots.insert_event(conn, lot_id, data, principal.key_id, public)
    await record(
        conn, principal, "create", "lot_event", created.id,
        cooperative_id=lot.cooperative_id, after=created,
    )  # fmt: skip
    return created


async def _check_planting_area(
    conn: asyncpg.Connection, principal: Principal, area_id: int | None, cooperative_id: int
) -> None:
    """A lot comes from a planting area of its product's own cooperative."""
    if area_id is None:
        return
    area = await areas.find(conn, area_id)
    check_same_cooperative(
        principal, area_id, area.cooperative_id if area else None, cooperative_id
    )
