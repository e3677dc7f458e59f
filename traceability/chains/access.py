"""Who may see and change a chain's records: its own people and keys, and the authority.

A retailer addressing another chain (its record, stores, deliveries) gets 404, the same
answer as for an id that does not exist, so a chain cannot learn which stores or deliveries
its competitors have. Role rules (only the authority onboards or suspends a chain) are the
controllers' guards, and checked again here for the portal's pages, which have no guards.
"""

from __future__ import annotations

from traceability.accounts.repository import Principal
from traceability.errors import Forbidden, NotFound


def is_member(principal: Principal, chain_id: int | None) -> bool:
    """The authority, or a key or person of this chain."""
    if principal.is_authority:
        return True
    return principal.role == "retailer" and chain_id is not None and principal.chain_id == chain_id


def check_member(principal: Principal, chain_id: int | None, missing: str) -> None:
    """Reads and writes of a chain's own records; ``missing`` is the 404's message."""
    if not is_member(principal, chain_id):
        raise NotFound(missing)


def require_authority(principal: Principal) -> None:
    if not principal.is_authority:
        raise Forbidden("Only the authority onboards, edits and suspends chains.")


def own_chain(principal: Principal) -> int:
    """The chain a retailer acts for (a retailer always has one)."""
    if principal.role != "retailer" or principal.chain_id is None:
        raise Forbidden("This is for a supermarket chain's people and keys.")
    return principal.chain_id
