from __future__ import annotations

import pytest
from stamps_support import SEED_A

import stamps


@pytest.fixture(scope="session")
def ring() -> stamps.KeyRing:
    return stamps.KeyRing.from_private_bytes([SEED_A])
