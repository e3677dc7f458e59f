from tests.stamping.registry import registry

__all__ = ["registry"]
