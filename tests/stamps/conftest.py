from __future__ import annotations

import pytest

import stamps
from tests.stamps.stamps_support import SEED_A


@pytest.fixture(scope="session")
def ring() -> stamps.KeyRing:
    return stamps.KeyRing.from_private_bytes([SEED_A])
