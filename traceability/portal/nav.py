"""The layout's navigation: one list of items, each shown to the roles it serves.

A workspace adds its pages by adding ``NavItem``s to ``NAV`` (in the slot where they belong);
the layout shows each signed-in person the items of their role, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from traceability.accounts.repository import Role
from traceability.accounts.users import User
from traceability.portal.i18n import N_

Slot = Literal["main", "account"]
"""``main``: the workspace's sections (the top bar); ``account``: the person's own menu."""

ALL_ROLES: Final[frozenset[Role]] = frozenset({"authority", "cooperative", "retailer"})


@dataclass(frozen=True, slots=True)
class NavItem:
    href: str
    label: str
    roles: frozenset[Role] = ALL_ROLES
    slot: Slot = "main"

    def is_current(self, path: str) -> bool:
        if self.href == "/portal/":
            return path == "/portal/"
        return path == self.href or path.startswith(self.href.rstrip("/") + "/")


NAV: Final[list[NavItem]] = [
    NavItem("/portal/", N_("Overview")),
    # -- the cooperative's workspace (issue 8): registry, orders, printing, activation --
    NavItem("/portal/products", N_("Products"), frozenset({"cooperative"})),
    NavItem("/portal/lots", N_("Lots"), frozenset({"cooperative"})),
    NavItem("/portal/orders", N_("Stamp orders"), frozenset({"cooperative"})),
    NavItem("/portal/activate", N_("Activate"), frozenset({"cooperative"})),
    NavItem("/portal/stamps", N_("Look up a stamp"), frozenset({"cooperative"})),
    # -- the authority's workspace (issue 9): cooperatives, orders, cases, reports --------
    NavItem("/portal/chains", N_("Supermarket chains"), frozenset({"authority"})),
    NavItem("/portal/cooperatives", N_("Cooperatives"), frozenset({"authority"})),
    NavItem("/portal/subsidy", N_("Subsidy"), frozenset({"authority"})),
    NavItem("/portal/cases", N_("Suspicious stamps"), frozenset({"authority"})),
    NavItem("/portal/reports", N_("Reports"), frozenset({"authority"})),
    NavItem("/portal/keys", N_("Signing keys"), frozenset({"authority"})),
    # -- the retailer's workspace (issue 9): receiving, deliveries -----------------------
    NavItem("/portal/receiving", N_("Receiving"), frozenset({"retailer"})),
    NavItem("/portal/deliveries", N_("Deliveries"), ALL_ROLES),
    NavItem("/portal/stores", N_("Stores"), frozenset({"retailer"})),
    NavItem("/portal/offline-kit", N_("Offline kit"), frozenset({"retailer"})),
    NavItem("/portal/users", N_("People"), ALL_ROLES),
    NavItem("/portal/api-keys", N_("API keys"), ALL_ROLES),
    NavItem("/portal/account", N_("My account"), slot="account"),
]


ROLE_LABELS: Final[dict[Role, str]] = {
    "authority": N_("Provincial authority"),
    "cooperative": N_("Cooperative"),
    "retailer": N_("Retailer"),
}


def nav_for(user: User | None) -> list[NavItem]:
    if user is None:
        return []
    return [item for item in NAV if user.role in item.roles]
