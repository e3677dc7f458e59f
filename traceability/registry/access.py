"""Who may see and change which record: the one home of ownership rules.

Role rules (a retailer never writes the registry, only the authority onboards) are guards
declared on the controllers (``accounts/guards.py``); what remains here depends on the
record itself:

- A cooperative key addressing another cooperative's record, to write it or to read a
  private record, gets 404, the same answer as for an id that does not exist, so a key
  cannot probe which records its competitors have.
- Naming another cooperative in a request body (``cooperative_id``) is 403: cooperative
  ids are public (their profiles are), so there is nothing to hide.
"""

from __future__ import annotations

from collections.abc import Iterable

from traceability.accounts.repository import Principal, Role
from traceability.errors import Forbidden, InvalidInput, NotFound


def may_manage(principal: Principal, cooperative_id: int | None) -> bool:
    """The authority, or the key of the cooperative the record belongs to."""
    if principal.is_authority:
        return True
    return principal.role == "cooperative" and principal.cooperative_id == cooperative_id


def check_owner(principal: Principal, cooperative_id: int | None, missing: str) -> None:
    """Writes and private reads of a record that belongs to ``cooperative_id``.

    ``missing`` is the 404 message, the same as for a record that does not exist.
    """
    if may_manage(principal, cooperative_id):
        return
    if principal.role == "cooperative":
        raise NotFound(missing)
    raise Forbidden("This key may read the registry but not change it or see private records.")


def check_acting_for(principal: Principal, cooperative_id: int) -> None:
    """A request that names a cooperative in its body or query: its own key or the authority."""
    if not may_manage(principal, cooperative_id):
        raise Forbidden("This key may not act for that cooperative.")


def acting_cooperative(principal: Principal, cooperative_id: int | None) -> int:
    """The cooperative a new record is for: the one named, or the caller's own."""
    if cooperative_id is None:
        if principal.role != "cooperative" or principal.cooperative_id is None:
            raise InvalidInput("Say which cooperative this is for: cooperative_id is required.")
        return principal.cooperative_id
    check_acting_for(principal, cooperative_id)
    return cooperative_id


def check_key_grant(
    principal: Principal, role: Role, cooperative_id: int | None, chain_id: int | None = None
) -> None:
    """A key may only create keys it could be: a cooperative only its own cooperative's, a
    retailer only its own chain's."""
    if principal.is_authority:
        return
    if principal.role == "retailer":
        if role != "retailer" or chain_id != principal.chain_id or cooperative_id is not None:
            raise Forbidden("A retailer may only create keys for its own chain.")
        return
    if role != "cooperative" or cooperative_id != principal.cooperative_id:
        raise Forbidden("A cooperative key may only create keys for its own cooperative.")


def in_organisation(principal: Principal, cooperative_id: int | None, chain_id: int | None) -> bool:
    """Whether a record of this cooperative or chain (a person, a key) is the caller's own:
    the authority's, or the caller's own cooperative's or chain's. Another organisation's
    record reads as missing (404), so nobody learns which people or keys others have."""
    if principal.is_authority:
        return True
    if principal.role == "cooperative":
        return cooperative_id is not None and cooperative_id == principal.cooperative_id
    if principal.role == "retailer":
        return chain_id is not None and chain_id == principal.chain_id
    return False


def check_identity_change(principal: Principal, fields: Iterable[str]) -> None:
    """A cooperative's tax code and GLN identify it to the state: only the authority edits them."""
    if not principal.is_authority and {"tax_code", "gln"} & set(fields):
        raise Forbidden("Only the authority may change a cooperative's tax code or GLN.")


def event_is_public(principal: Principal, lot_cooperative_id: int, kind: str, missing: str) -> bool:
    """May this caller record an event on the lot, and does it go on the public timeline?

    Only the lot's cooperative (or the authority) writes the public timeline consumers read.
    A retailer records receiving, on any lot that reaches its shelves, privately: the lot's
    cooperative and the authority see it, consumers never do. (Retailer chains and their
    deliveries will widen who sees what; this is the one place to say so.)
    """
    if may_manage(principal, lot_cooperative_id):
        return True
    if principal.role == "retailer":
        if kind != "receiving":
            raise Forbidden("A retailer key may only record receiving events.")
        return False
    raise NotFound(missing)


def check_same_cooperative(
    principal: Principal, area_id: int, area_cooperative_id: int | None, cooperative_id: int
) -> None:
    """A lot comes from a planting area of its product's own cooperative.

    ``area_cooperative_id`` is None when the area does not exist; another cooperative's area
    reads as missing to a cooperative key, as elsewhere.
    """
    missing = f"No planting area {area_id}."
    if area_cooperative_id is None or not may_manage(principal, area_cooperative_id):
        raise NotFound(missing)
    if area_cooperative_id != cooperative_id:
        raise InvalidInput(
            "The planting area belongs to another cooperative than the product.",
            constraint="lot_planting_area_same_cooperative",
        )
