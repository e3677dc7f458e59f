"""Deliveries in the database."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from traceability.db.sql import queries_beside
from traceability.deliveries.schemas import Delivery, DeliveryLot
from traceability.errors import NotFound
from traceability.verification.schemas import StatusCounts, VerifiedStamp

Q = queries_beside(__file__)


def _delivery(row: asyncpg.Record, lots: list[DeliveryLot] | None = None) -> Delivery:
    return Delivery(
        id=row["id"],
        chain_id=row["chain_id"],
        chain_name=row["chain_name"],
        store_id=row["store_id"],
        store_name=row["store_name"],
        cooperative_id=row["cooperative_id"],
        cooperative_name=row["cooperative_name"],
        purchase_order=row["purchase_order"],
        received_at=row["received_at"],
        notes=row["notes"],
        by_status=StatusCounts(
            activated=row["activated"],
            not_activated=row["not_activated"],
            revoked=row["revoked"],
            suspicious=row["suspicious"],
            invalid=row["invalid"],
        ),
        created_at=row["created_at"],
        lots=lots or [],
    )


async def insert(
    conn: asyncpg.Connection,
    *,
    chain_id: int,
    store_id: int,
    cooperative_id: int,
    purchase_order: str | None,
    received_at: datetime,
    notes: str | None,
    counts: StatusCounts,
    stamps: list[VerifiedStamp],
    user_id: int | None,
    key_id: int | None,
) -> int:
    """The delivery and its genuine stamps (one row each); its id."""
    delivery_id: int = await conn.fetchval(
        Q["insert_delivery"],
        chain_id,
        store_id,
        cooperative_id,
        purchase_order,
        received_at,
        notes,
        counts.activated,
        counts.not_activated,
        counts.revoked,
        counts.suspicious,
        counts.invalid,
        user_id,
        key_id,
    )
    await conn.execute(
        Q["insert_stamps"],
        delivery_id,
        [s.serial for s in stamps],
        [s.status for s in stamps],
        [s.lot_id for s in stamps],
        [s.cooperative_id for s in stamps],
    )
    return delivery_id


async def find(conn: asyncpg.Connection, delivery_id: int) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(Q["get_delivery"], delivery_id)
    return row


async def cooperatives_of(conn: asyncpg.Connection, delivery_id: int, supplier: int) -> set[int]:
    rows = await conn.fetch(Q["delivery_cooperatives"], delivery_id, supplier)
    return {r["cooperative_id"] for r in rows}


async def with_lots(
    conn: asyncpg.Connection, row: asyncpg.Record, cooperative_id: int | None
) -> Delivery:
    rows = await conn.fetch(Q["delivery_lots"], row["id"], cooperative_id)
    return _delivery(row, [DeliveryLot(**dict(r)) for r in rows])


async def get(conn: asyncpg.Connection, delivery_id: int) -> asyncpg.Record:
    row = await find(conn, delivery_id)
    if row is None:
        raise NotFound(f"No delivery {delivery_id}.")
    return row


async def list_for(
    conn: asyncpg.Connection,
    *,
    chain_id: int | None,
    cooperative_id: int | None,
    lot_id: int | None,
    store_id: int | None,
    before: int | None,
    limit: int,
) -> list[Delivery]:
    rows = await conn.fetch(
        Q["list_deliveries"], chain_id, cooperative_id, lot_id, store_id, before, limit
    )
    return [_delivery(r) for r in rows]


async def cooperative_exists(conn: asyncpg.Connection, cooperative_id: int) -> bool:
    found: bool = await conn.fetchval(Q["cooperative_exists"], cooperative_id)
    return found


async def supplier_choices(conn: asyncpg.Connection) -> list[tuple[int, str]]:
    return [(r["id"], r["name"]) for r in await conn.fetch(Q["supplier_choices"])]
