from __future__ import annotations

import asyncpg
import pytest

from traceability.demo import DemoRegistry, seed_registry


@pytest.fixture
async def registry(db: asyncpg.Connection) -> DemoRegistry:
    return await seed_registry(db)
