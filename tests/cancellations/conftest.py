from tests.world import registry

__all__ = ["registry"]
