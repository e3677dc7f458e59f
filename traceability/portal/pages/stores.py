"""A chain's stores (where deliveries are received) and the offline verification kit."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post

from traceability.chains import service
from traceability.chains.schemas import PROVINCES, StoreCreate
from traceability.deliveries import service as deliveries
from traceability.deps import Conn
from traceability.errors import Forbidden
from traceability.inputs import PathId
from traceability.portal.forms import Form, read_form
from traceability.portal.web import SignedIn, redirect, render


def _chain_of(person: SignedIn) -> int:
    me = person.principal
    if me.role != "retailer" or me.chain_id is None:
        raise Forbidden("This page is for a supermarket chain's people.")
    return me.chain_id


async def _stores_page(conn: Conn, person: SignedIn, form: Form[Any], status: int = 200) -> Any:
    chain_id = _chain_of(person)
    chain = await service.visible(conn, person.principal, chain_id)
    stores = await service.stores(conn, person.principal, chain_id)
    return render(
        person,
        "receiving/stores.html",
        chain=chain,
        stores=stores,
        form=form,
        provinces=PROVINCES,
        status=status,
    )


@get("/stores", summary="My chain's stores")
async def stores_page(conn: Conn, person: SignedIn) -> Any:
    return await _stores_page(conn, person, Form(person.t))


@post("/stores", summary="Add a store")
async def add_store(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    chain_id = _chain_of(person)
    form = await read_form(request, StoreCreate, person.t)
    created = await form.run(
        conn, lambda data: service.add_store(conn, person.principal, chain_id, data)
    )
    if created is None:
        return await _stores_page(conn, person, form, status=422)
    return redirect(person, "/portal/stores", notice="saved")


@post("/stores/{store_id:int}/close", summary="Close a store")
async def close_store(conn: Conn, person: SignedIn, store_id: PathId) -> Any:
    await service.set_store_closed(conn, person.principal, store_id, True)
    return redirect(person, "/portal/stores", notice="saved")


@post("/stores/{store_id:int}/reopen", summary="Reopen a store")
async def reopen_store(conn: Conn, person: SignedIn, store_id: PathId) -> Any:
    await service.set_store_closed(conn, person.principal, store_id, False)
    return redirect(person, "/portal/stores", notice="saved")


@get("/offline-kit", summary="The offline verification kit")
async def offline_kit_page(conn: Conn, person: SignedIn) -> Any:
    """What a clerk downloads to check stamps where the dock has no network: the public keys,
    the signed revocation list, and the signed manifests of the chain's suppliers."""
    _chain_of(person)
    recent = await deliveries.list_deliveries(conn, person.principal, limit=500)
    suppliers = sorted({(d.cooperative_id, d.cooperative_name) for d in recent}, key=lambda s: s[1])
    return render(
        person,
        "receiving/offline_kit.html",
        suppliers=suppliers,
        public_url=person.settings.public_url.rstrip("/"),
    )


HANDLERS = [stores_page, add_store, close_store, reopen_store, offline_kit_page]
