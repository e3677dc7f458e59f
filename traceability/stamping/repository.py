"""Stamp batches, activations and revocations in PostgreSQL: one row per range, never per stamp."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import asyncpg
import msgspec

from traceability import clock
from traceability.db.sql import queries_beside
from traceability.scanning.schemas import order_status
from traceability.stamping.schemas import (
    CostLine,
    RangeChange,
    StampBatch,
)

Q = queries_beside(__file__)


def costs(quantity: int, unit_price: Decimal, subsidy_share: Decimal) -> tuple[Decimal, ...]:
    """Total, the province's subsidy and the cooperative's part, in whole đồng."""
    total = unit_price * quantity
    subsidy = (total * subsidy_share).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return total, subsidy, total - subsidy


def _batch(row: asyncpg.Record) -> StampBatch:
    values: dict[str, Any] = dict(row)
    total, subsidy, own = costs(
        values["quantity"], values["unit_price_vnd"], values["subsidy_share"]
    )
    status = order_status(values)
    return StampBatch(
        **values,
        total_vnd=total,
        subsidy_vnd=subsidy,
        cooperative_vnd=own,
        status=status,
        cancellable=status == "ordered",
    )


async def find_by_idempotency_key(
    conn: asyncpg.Connection, cooperative_id: int, key: str
) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        Q["find_by_idempotency_key"], cooperative_id, key
    )
    return row


async def product_owner(
    conn: asyncpg.Connection, product_id: int, lot_id: int | None
) -> tuple[int, bool, str | None] | None:
    """(cooperative id, whether the lot is the product's, the product's GTIN)."""
    row = await conn.fetchrow(Q["product_owner"], product_id, lot_id)
    return None if row is None else (row["cooperative_id"], row["lot_ok"], row["gtin"])


async def allocate_serials(conn: asyncpg.Connection, quantity: int) -> int:
    first: int = await conn.fetchval(Q["allocate_serials"], quantity)
    return first


async def insert_batch(
    conn: asyncpg.Connection,
    *,
    cooperative_id: int,
    product_id: int,
    lot_id: int | None,
    first_serial: int,
    quantity: int,
    key_id: str,
    unit_price_vnd: Decimal,
    subsidy_share: Decimal,
    idempotency_key: str | None,
    request_hash: bytes | None,
    created_by: int | None,
    stamp_form: str = "compact",
    gtin: str | None = None,
    scratch_pins: bool = True,
) -> int | None:
    """The new batch's id, or None when a concurrent order with the same key won."""
    batch_id: int | None = await conn.fetchval(
        Q["insert_batch"],
        cooperative_id,
        product_id,
        lot_id,
        first_serial,
        quantity,
        key_id,
        unit_price_vnd,
        subsidy_share,
        idempotency_key,
        request_hash,
        created_by,
        stamp_form,
        gtin,
        scratch_pins,
    )
    return batch_id


async def get_batch(conn: asyncpg.Connection, batch_id: int) -> StampBatch | None:
    row = await conn.fetchrow(Q["get_batch"], batch_id)
    return None if row is None else _batch(row)


async def lock_batch(conn: asyncpg.Connection, batch_id: int) -> None:
    await conn.execute(Q["lock_batch"], batch_id)


async def cancel_batch(conn: asyncpg.Connection, batch_id: int, reason: str | None) -> bool:
    done: str = await conn.execute(Q["cancel_batch"], batch_id, reason)
    return done == "UPDATE 1"


async def mark_downloaded(conn: asyncpg.Connection, batch_id: int) -> bool:
    """Record the first download; False if the order is cancelled."""
    at = await conn.fetchval(Q["mark_downloaded"], batch_id)
    return at is not None


async def list_batches(
    conn: asyncpg.Connection,
    cooperative_id: int | None,
    product_id: int | None,
    after: int,
    limit: int,
    approval: str | None = None,
) -> list[StampBatch]:
    rows = await conn.fetch(Q["list_batches"], cooperative_id, product_id, after, limit, approval)
    return [_batch(r) for r in rows]


async def batch_for_serial(conn: asyncpg.Connection, serial: int) -> int | None:
    batch_id: int | None = await conn.fetchval(Q["batch_for_serial"], serial)
    return batch_id


async def ranges_of_lot(conn: asyncpg.Connection, lot_id: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(Q["batches_of_lot"], lot_id)
    return rows


async def stamps_ordered_for_lot(conn: asyncpg.Connection, lot_id: int) -> int:
    ordered: int = await conn.fetchval(Q["stamps_ordered_for_lot"], lot_id)
    return ordered


async def lot_product(conn: asyncpg.Connection, lot_id: int) -> int | None:
    product_id: int | None = await conn.fetchval(Q["lot_product"], lot_id)
    return product_id


async def active_in_range(conn: asyncpg.Connection, batch_id: int, first: int, last: int) -> int:
    """How many of the batch's serials first..last are active already."""
    count: int = await conn.fetchval(Q["active_in_range"], batch_id, first, last)
    return count


async def insert_activation(
    conn: asyncpg.Connection,
    batch_id: int,
    first: int,
    last: int,
    lot_id: int | None,
    by: int | None,
) -> RangeChange:
    row = await conn.fetchrow(Q["insert_activation"], batch_id, first, last, lot_id, by)
    return RangeChange(**dict(row))


async def insert_revocation(
    conn: asyncpg.Connection,
    batch_id: int,
    first: int,
    last: int,
    reason: str,
    by: int | None,
    category: str = "other",
) -> RangeChange:
    row = await conn.fetchrow(Q["insert_revocation"], batch_id, first, last, reason, by, category)
    return RangeChange(**dict(row))


async def cost_report(
    conn: asyncpg.Connection, cooperative_id: int | None, since: date | None, until: date | None
) -> list[CostLine]:
    start = clock.day_start(since) if since else None
    end = clock.day_start(until + timedelta(days=1)) if until else None
    rows = await conn.fetch(Q["cost_report"], cooperative_id, start, end)
    return [
        CostLine(
            **{k: v for k, v in dict(r).items() if k != "subsidy_vnd"},
            subsidy_vnd=r["subsidy_vnd"],
            cooperative_vnd=r["total_vnd"] - r["subsidy_vnd"],
        )
        for r in rows
    ]


async def batch_key_ids(conn: asyncpg.Connection | asyncpg.Pool) -> set[str]:
    """Every key that signed a batch in the database."""
    return {row[0] for row in await conn.fetch(Q["batch_key_ids"])}


async def revoked_key_ids(conn: asyncpg.Connection | asyncpg.Pool) -> set[str]:
    """Every signing key the authority revoked (recorded by ``admin keys revoke``)."""
    return {row[0] for row in await conn.fetch(Q["revoked_key_ids"])}


async def record_key_revocation(conn: asyncpg.Connection, kid: str) -> None:
    """Revoke ``kid`` for every instance; its workers hear of it when this commits."""
    await conn.execute(Q["record_key_revocation"], kid)


async def serial_states(conn: asyncpg.Connection, serials: list[int]) -> list[asyncpg.Record]:
    """The order, product, lot and state of each serial that is in an order (by serial)."""
    rows: list[asyncpg.Record] = await conn.fetch(Q["serial_states"], serials)
    return rows


async def recent_batches(
    conn: asyncpg.Connection, cooperative_id: int, before: int | None, limit: int
) -> list[StampBatch]:
    """A cooperative's orders, newest first."""
    rows = await conn.fetch(Q["recent_batches"], cooperative_id, before, limit)
    return [_batch(r) for r in rows]


class OrderProduct(msgspec.Struct, frozen=True):
    """A product stamps can be ordered for, with its lots (newest harvest first)."""

    id: int
    name: str
    gtin: str | None
    lots: list[tuple[int, str]]


async def order_products(conn: asyncpg.Connection, cooperative_id: int) -> list[OrderProduct]:
    rows = await conn.fetch(Q["order_products"], cooperative_id)
    return [
        OrderProduct(
            r["id"], r["name"], r["gtin"], list(zip(r["lot_ids"], r["lot_codes"], strict=True))
        )
        for r in rows
    ]


async def month_figures(
    conn: asyncpg.Connection, cooperative_id: int, start: datetime, end: datetime
) -> tuple[int, int]:
    """Stamps ordered and stamps first activated in ``[start, end)``."""
    row = await conn.fetchrow(Q["month_figures"], cooperative_id, start, end)
    return row["ordered"], row["activated"]
