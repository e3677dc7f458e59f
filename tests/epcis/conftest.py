from __future__ import annotations

from tests.world import demo

__all__ = ["demo"]  # the fixture
