"""Cooperatives in the database."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.errors import NotFound
from traceability.pagination import Keyset
from traceability.registry.cooperatives.schemas import (
    Cooperative,
    CooperativeCreate,
    CooperativeProfile,
    CooperativeRecord,
)

Q = queries_beside(__file__)

_COLUMNS = (
    "name", "tax_code", "province", "district", "commune", "address_line", "latitude",
    "longitude", "contact_name", "phone", "email", "website", "gln",
)  # fmt: skip


def _values(data: CooperativeCreate) -> list[object]:
    return [getattr(data, column) for column in _COLUMNS]


async def insert(conn: asyncpg.Connection, data: CooperativeCreate) -> Cooperative:
    return Cooperative(**dict(await conn.fetchrow(Q["insert_cooperative"], *_values(data))))


async def get(conn: asyncpg.Connection, cooperative_id: int) -> Cooperative:
    row = await conn.fetchrow(Q["get_cooperative"], cooperative_id)
    if row is None:
        raise NotFound(f"No cooperative {cooperative_id}.")
    return Cooperative(**dict(row))


async def find_by_tax_code(conn: asyncpg.Connection, tax_code: str) -> Cooperative | None:
    row = await conn.fetchrow(Q["find_by_tax_code"], tax_code)
    return None if row is None else Cooperative(**dict(row))


async def update(
    conn: asyncpg.Connection, cooperative_id: int, data: CooperativeCreate
) -> Cooperative:
    row = await conn.fetchrow(Q["update_cooperative"], cooperative_id, *_values(data))
    if row is None:
        raise NotFound(f"No cooperative {cooperative_id}.")
    return Cooperative(**dict(row))


async def list_profiles(
    conn: asyncpg.Connection, *, district: str | None, commune: str | None, keys: Keyset
) -> list[CooperativeProfile]:
    rows = await conn.fetch(Q["list_profiles"], district, commune, *keys.args())
    return [CooperativeProfile(**dict(r)) for r in rows]


async def suspend(conn: asyncpg.Connection, cooperative_id: int, reason: str) -> Cooperative | None:
    """The suspended record, or None if it was suspended already."""
    row = await conn.fetchrow(Q["suspend_cooperative"], cooperative_id, reason)
    if row is None:
        return None
    await conn.execute(Q["end_sessions_of_cooperative"], cooperative_id)
    return Cooperative(**dict(row))


async def lift_suspension(conn: asyncpg.Connection, cooperative_id: int) -> Cooperative | None:
    """The record again in good standing, or None if it was not suspended."""
    row = await conn.fetchrow(Q["lift_suspension"], cooperative_id)
    return None if row is None else Cooperative(**dict(row))


async def list_records(
    conn: asyncpg.Connection,
    *,
    search: str | None,
    suspended: bool | None,
    before: int | None,
    limit: int,
) -> list[CooperativeRecord]:
    rows = await conn.fetch(Q["list_records"], search, suspended, before, limit)
    return [
        CooperativeRecord(
            cooperative=Cooperative(**{k: v for k, v in r.items() if k not in ("people", "keys")}),
            people=r["people"],
            keys=r["keys"],
        )
        for r in rows
    ]
