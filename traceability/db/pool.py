"""The asyncpg pool, with the codecs every connection needs."""

from __future__ import annotations

import asyncpg
import msgspec

SERVER_SETTINGS = {"timezone": "UTC", "application_name": "traceability"}
"""Every timestamp is stored and compared in UTC; pages convert for display."""


async def init_connection(conn: asyncpg.Connection) -> None:
    # jsonb in and out as Python objects, encoded by msgspec (fast, and it knows Structs).
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(
            typ,
            encoder=lambda value: msgspec.json.encode(value).decode(),
            decoder=msgspec.json.decode,
            schema="pg_catalog",
        )


async def create_pool(url: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        url,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        server_settings=SERVER_SETTINGS,
        command_timeout=60,
    )
    assert pool is not None
    return pool
