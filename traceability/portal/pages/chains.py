"""The authority's pages for supermarket chains: onboard a chain with its first person, edit
its record, suspend it and lift the suspension. The same services as ``/api/v1/chains``."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromQuery

from traceability.accounts.schemas import DisplayName, Login
from traceability.chains import repository as chains
from traceability.chains import service
from traceability.chains.access import require_authority
from traceability.chains.schemas import ChainCreate, ChainOnboarding, FirstUser, Suspension
from traceability.deps import Conn
from traceability.inputs import PathId
from traceability.portal.forms import Form, read_form
from traceability.portal.web import SignedIn, redirect, render

LIST_LIMIT = 200

_CHAIN_FIELDS = (
    "name", "tax_code", "province", "commune", "address_line", "gln", "contact_name", "phone",
    "email",
)  # fmt: skip


class OnboardFields(ChainCreate, kw_only=True):
    """The chain's record and its first person, on one form."""

    login: Login
    display_name: DisplayName


def _chain_of(data: ChainCreate) -> ChainCreate:
    return ChainCreate(**{f: getattr(data, f) for f in _CHAIN_FIELDS})


@get("/chains", summary="Supermarket chains")
async def chains_page(conn: Conn, person: SignedIn, q: FromQuery[str | None] = None) -> Any:
    require_authority(person.principal)
    search = (q or "").strip()[:200] or None
    found = await chains.list_records(
        conn, search=search, suspended=None, before=None, limit=LIST_LIMIT
    )
    return render(person, "chains/list.html", records=found, q=search or "")


async def _new_page(conn: Conn, person: SignedIn, form: Form[Any], status: int = 200) -> Any:
    return render(person, "chains/new.html", form=form, status=status)


@get("/chains/new", summary="Onboard a chain")
async def new_chain_page(conn: Conn, person: SignedIn) -> Any:
    require_authority(person.principal)
    return await _new_page(conn, person, Form(person.t))


@post("/chains/new", summary="Onboard a chain with its first person")
async def onboard_chain(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    require_authority(person.principal)
    form = await read_form(request, OnboardFields, person.t)
    onboarded = await form.run(
        conn,
        lambda data: service.onboard(
            conn,
            person.principal,
            ChainOnboarding(
                chain=_chain_of(data),
                first_user=FirstUser(login=data.login, display_name=data.display_name),
            ),
        ),
    )
    if onboarded is None:
        return await _new_page(conn, person, form, status=422)
    # The one-time password is shown on this answer only.
    return render(person, "chains/onboarded.html", onboarded=onboarded, status=201)


async def _chain_page(
    conn: Conn,
    person: SignedIn,
    chain_id: int,
    form: Form[Any] | None = None,
    suspension: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    require_authority(person.principal)
    chain = await service.visible(conn, person.principal, chain_id)
    if form is None:
        form = Form(
            person.t,
            {f: str(getattr(chain, f)) for f in _CHAIN_FIELDS if getattr(chain, f) is not None},
        )
    stores = await chains.list_stores(conn, chain_id)
    return render(
        person,
        "chains/chain.html",
        chain=chain,
        form=form,
        suspension=suspension or Form(person.t),
        stores=stores,
        status=status,
    )


@get("/chains/{chain_id:int}", summary="A supermarket chain")
async def chain_page(conn: Conn, person: SignedIn, chain_id: PathId) -> Any:
    return await _chain_page(conn, person, chain_id)


@post("/chains/{chain_id:int}", summary="Save a chain's record")
async def update_chain(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, chain_id: PathId
) -> Any:
    require_authority(person.principal)
    form = await read_form(request, ChainCreate, person.t)
    saved = await form.run(
        conn, lambda data: service.update(conn, person.principal, chain_id, data)
    )
    if saved is None:
        return await _chain_page(conn, person, chain_id, form=form, status=422)
    return redirect(person, f"/portal/chains/{chain_id}", notice="saved")


@post("/chains/{chain_id:int}/suspend", summary="Suspend a chain")
async def suspend_chain(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, chain_id: PathId
) -> Any:
    require_authority(person.principal)
    form = await read_form(request, Suspension, person.t)
    done = await form.run(
        conn, lambda data: service.suspend(conn, person.principal, chain_id, data)
    )
    if done is None:
        return await _chain_page(conn, person, chain_id, suspension=form, status=422)
    return redirect(person, f"/portal/chains/{chain_id}", notice="chain_suspended")


@post("/chains/{chain_id:int}/lift", summary="Lift a chain's suspension")
async def lift_chain(conn: Conn, person: SignedIn, chain_id: PathId) -> Any:
    await service.lift_suspension(conn, person.principal, chain_id)
    return redirect(person, f"/portal/chains/{chain_id}", notice="chain_lifted")


HANDLERS = [
    chains_page,
    new_chain_page,
    onboard_chain,
    chain_page,
    update_chain,
    suspend_chain,
    lift_chain,
]
