"""Chains and stores in the database."""

from __future__ import annotations

import asyncpg

from traceability.chains.schemas import (
    Chain,
    ChainCreate,
    ChainRecord,
    Store,
    StoreCreate,
)
from traceability.db.sql import queries_beside
from traceability.errors import NotFound

Q = queries_beside(__file__)

_CHAIN_COLUMNS = (
    "name", "tax_code", "province", "commune", "address_line", "gln", "contact_name", "phone",
    "email",
)  # fmt: skip
_STORE_COLUMNS = (
    "name", "province", "commune", "address_line", "gln", "latitude", "longitude",
)  # fmt: skip


def _chain(row: asyncpg.Record) -> Chain:
    return Chain(**{f: row[f] for f in Chain.__struct_fields__})


def _store(row: asyncpg.Record) -> Store:
    return Store(**{f: row[f] for f in Store.__struct_fields__})


async def insert(conn: asyncpg.Connection, data: ChainCreate) -> Chain:
    values = [getattr(data, c) for c in _CHAIN_COLUMNS]
    return _chain(await conn.fetchrow(Q["insert_chain"], *values))


async def find(conn: asyncpg.Connection, chain_id: int) -> Chain | None:
    row = await conn.fetchrow(Q["get_chain"], chain_id)
    return None if row is None else _chain(row)


async def get(conn: asyncpg.Connection, chain_id: int) -> Chain:
    found = await find(conn, chain_id)
    if found is None:
        raise NotFound(f"No chain {chain_id}.")
    return found


async def update(conn: asyncpg.Connection, chain_id: int, data: ChainCreate) -> Chain:
    values = [getattr(data, c) for c in _CHAIN_COLUMNS]
    row = await conn.fetchrow(Q["update_chain"], chain_id, *values)
    if row is None:
        raise NotFound(f"No chain {chain_id}.")
    return _chain(row)


async def list_records(
    conn: asyncpg.Connection,
    *,
    search: str | None,
    suspended: bool | None,
    before: int | None,
    limit: int,
) -> list[ChainRecord]:
    rows = await conn.fetch(Q["list_records"], search, suspended, before, limit)
    return [ChainRecord(_chain(r), r["store_count"], r["people"], r["key_count"]) for r in rows]


async def suspend(conn: asyncpg.Connection, chain_id: int, reason: str) -> Chain | None:
    """The suspended chain, or None if it already was; its people's sessions end."""
    row = await conn.fetchrow(Q["suspend_chain"], chain_id, reason)
    if row is None:
        return None
    await conn.execute(Q["end_sessions_of_chain"], chain_id)
    return _chain(row)


async def lift_suspension(conn: asyncpg.Connection, chain_id: int) -> Chain | None:
    row = await conn.fetchrow(Q["lift_suspension"], chain_id)
    return None if row is None else _chain(row)


async def choices(conn: asyncpg.Connection) -> list[tuple[int, str]]:
    return [(r["id"], r["name"]) for r in await conn.fetch(Q["chain_choices"])]


# -- stores ---------------------------------------------------------------------------------


async def insert_store(conn: asyncpg.Connection, chain_id: int, data: StoreCreate) -> Store:
    values = [getattr(data, c) for c in _STORE_COLUMNS]
    return _store(await conn.fetchrow(Q["insert_store"], chain_id, *values))


async def find_store(conn: asyncpg.Connection, store_id: int) -> Store | None:
    row = await conn.fetchrow(Q["get_store"], store_id)
    return None if row is None else _store(row)


async def update_store(conn: asyncpg.Connection, store_id: int, data: StoreCreate) -> Store:
    values = [getattr(data, c) for c in _STORE_COLUMNS]
    return _store(await conn.fetchrow(Q["update_store"], store_id, *values))


async def set_store_closed(conn: asyncpg.Connection, store_id: int, closed: bool) -> Store:
    return _store(await conn.fetchrow(Q["set_store_closed"], store_id, closed))


async def list_stores(conn: asyncpg.Connection, chain_id: int) -> list[Store]:
    return [_store(r) for r in await conn.fetch(Q["list_stores"], chain_id)]
