from tests.portal.conftest import make_user, web
from tests.world import registry

__all__ = ["make_user", "registry", "web"]
