"""``/portal/``: each role's home, with its organisation's figures and where to go next."""

from __future__ import annotations

from typing import Any

from litestar import get

from traceability.accounts import repository as keys
from traceability.deps import Conn
from traceability.portal.pages.dashboard import cooperative_dashboard
from traceability.portal.pages.province import province_dashboard
from traceability.portal.web import SignedIn, render

HOMES = {
    "authority": "home/authority.html",
    "cooperative": "home/cooperative.html",
    "retailer": "home/retailer.html",
}


@get("/", summary="Home")
async def home(conn: Conn, person: SignedIn) -> Any:
    me = person.principal
    counts = await conn.fetchrow(keys.Q["organisation_counts"], me.visible_cooperative())
    organisation = None
    if me.cooperative_id is not None:
        organisation = await conn.fetchval(keys.Q["cooperative_name"], me.cooperative_id)
    if me.role == "authority":
        return await province_dashboard(conn, person)
    if me.role == "cooperative" and me.cooperative_id is not None:
        return await cooperative_dashboard(conn, person, me.cooperative_id, organisation)
    return render(person, HOMES[me.role], counts=dict(counts), organisation=organisation)


HANDLERS = [home]
