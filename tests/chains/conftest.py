from tests.portal.conftest import make_user, web

__all__ = ["make_user", "web"]
