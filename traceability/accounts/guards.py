"""Who may call a route, declared where the route is (Litestar guards).

A guard runs before the request's body is read and before the handler's connection is
taken, so an anonymous or wrong-role caller costs one indexed lookup and never a parse of
a 15 MB body. The caller is authenticated once per request and kept in the request's state;
``provide_principal`` hands the same Principal to handlers that need it for ownership checks
(``registry/access.py``).

Principals come from API keys (``Authorization: Bearer …``) or from a front end's own
sign-in (see ``deps.PRINCIPAL``).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler
from litestar.types import Guard

from traceability.accounts.repository import Role
from traceability.deps import principal_of
from traceability.errors import Forbidden


def requires_role(*roles: Role) -> Guard:
    """A guard letting through callers of one of ``roles`` (401 anonymous, 403 other roles)."""
    wanted = " or ".join(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        if principal.role not in roles:
            raise Forbidden(f"This needs a key of role {wanted}.")

    guard.__qualname__ = guard.__name__ = f"requires_role({', '.join(roles)})"
    return guard


AUTHENTICATED = requires_role("authority", "cooperative", "retailer")
"""Any valid key: public registry reads still need one (they are rate-limited per key)."""
WRITERS = requires_role("authority", "cooperative")
"""The authority and cooperatives: they write the registry and see their private records."""
AUTHORITY = requires_role("authority")

__all__ = ["AUTHENTICATED", "AUTHORITY", "WRITERS", "requires_role"]
