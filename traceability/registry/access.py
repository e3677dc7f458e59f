"""Who may see and change which registry record.

- A key whose role can never do something (a retailer writing, a cooperative onboarding
  another cooperative) gets 403.
- A cooperative key addressing another cooperative's record, to write it or to read a
  private record, gets 404, the same answer as for an id that does not exist, so a key
  cannot probe which records its competitors have.
- Naming another cooperative in a request body (``cooperative_id``) is 403: cooperative
  ids are public (their profiles are), so there is nothing to hide.
"""

from __future__ import annotations

from traceability.accounts.repository import Principal
from traceability.errors import Forbidden, NotFound


def require_writer(principal: Principal) -> None:
    """The authority or a cooperative key; retailers only read (and record receiving)."""
    principal.require("authority", "cooperative")


def check_owner(principal: Principal, cooperative_id: int, missing: str) -> None:
    """Writes and private reads of a record that belongs to ``cooperative_id``.

    ``missing`` is the 404 message, the same as for a record that does not exist.
    """
    if principal.is_authority:
        return
    if principal.role == "cooperative":
        if principal.cooperative_id == cooperative_id:
            return
        raise NotFound(missing)
    raise Forbidden("This key may read the registry but not change it or see private records.")


def acting_cooperative(principal: Principal, cooperative_id: int | None) -> int:
    """The cooperative a new record is for: the one named, or the caller's own."""
    require_writer(principal)
    if cooperative_id is None:
        if principal.cooperative_id is None:
            from traceability.errors import InvalidInput

            raise InvalidInput("Say which cooperative this is for: cooperative_id is required.")
        return principal.cooperative_id
    principal.require_cooperative(cooperative_id)
    return cooperative_id
