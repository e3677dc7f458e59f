"""What the cooperative's workspace pages share: whose cooperative the person acts for."""

from __future__ import annotations

from traceability.errors import Forbidden
from traceability.portal.web import Person


def cooperative_of(person: Person) -> int:
    """The cooperative a workspace page acts for: the person's own (others get a 403 page;
    the authority acts for cooperatives in its own workspace)."""
    me = person.principal
    if me.role != "cooperative" or me.cooperative_id is None:
        raise Forbidden("These pages are for a cooperative's staff.")
    return me.cooperative_id
