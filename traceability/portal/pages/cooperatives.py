"""The authority's cooperatives: find, onboard with the first person, edit, suspend, and see
each one's people, keys and budget.

The same services as ``/api/v1/cooperatives`` (onboarding, suspension) and the accounts
service for people and keys.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
from babel import numbers
from litestar import Request, get, post

from traceability import clock
from traceability.accounts import repository as keys
from traceability.accounts import users as people
from traceability.accounts.schemas import DisplayName, Language, Login
from traceability.deps import AppSettings, Conn
from traceability.inputs import PathId
from traceability.portal.forms import Form, bind, read_form
from traceability.portal.i18n import Translator
from traceability.portal.web import OFFICIAL, Official, redirect, render
from traceability.registry.cooperatives import repository as cooperatives
from traceability.registry.cooperatives import service
from traceability.registry.cooperatives.schemas import (
    Cooperative,
    CooperativeCreate,
    CooperativeOnboarding,
    FirstUser,
    Suspension,
)
from traceability.subsidy import service as subsidy

PAGE = 100
RECORD_FIELDS = tuple(CooperativeCreate.__struct_fields__)


class OnboardFields(CooperativeCreate, kw_only=True):
    """The onboarding form: the cooperative's record and its first person, in one form."""

    login: Login
    display_name: DisplayName
    language: Language = "vi"


class Search(msgspec.Struct, frozen=True):
    q: str | None = None
    suspended: bool | None = None
    before: int | None = None


def _record(data: CooperativeCreate) -> CooperativeCreate:
    return msgspec.convert(
        {f: getattr(data, f) for f in RECORD_FIELDS if getattr(data, f) is not None},
        CooperativeCreate,
    )


def _values(record: Cooperative, t: Translator) -> dict[str, str]:
    """The record as the form shows it: coordinates written the reader's way in full
    (22,4525 in Vietnamese: "22.4525" would read back as 224.525)."""
    values = {}
    for name in RECORD_FIELDS:
        value = getattr(record, name)
        if isinstance(value, Decimal | float):
            values[name] = numbers.format_decimal(
                value, locale=t.locale, decimal_quantization=False, group_separator=False
            )
        else:
            values[name] = "" if value is None else str(value)
    return values


@get("/cooperatives", summary="Cooperatives", dependencies=OFFICIAL)
async def cooperatives_page(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    search = bind(Search, dict(request.query_params), official.t)
    chosen = search.data if search.ok else Search()
    found = await cooperatives.list_records(
        conn,
        search=(chosen.q or "").strip() or None,
        suspended=chosen.suspended if "suspended" in request.query_params else None,
        before=chosen.before,
        limit=PAGE,
    )
    return render(
        official,
        "cooperatives/list.html",
        records=found,
        search=search,
        more=found[-1].cooperative.id if len(found) == PAGE else None,
    )


@get("/cooperatives/new", summary="Onboard a cooperative", dependencies=OFFICIAL)
async def onboarding_page(official: Official) -> Any:
    defaults = {"province": _default_province(), "language": "vi"}
    return render(official, "cooperatives/new.html", form=Form[Any](official.t, defaults))


def _default_province() -> str:
    fields = msgspec.structs.fields(CooperativeCreate)
    province = next(f for f in fields if f.name == "province")
    return str(province.default)


@post("/cooperatives/new", summary="Onboard a cooperative", dependencies=OFFICIAL)
async def onboard(request: Request[Any, Any, Any], conn: Conn, official: Official) -> Any:
    form = await read_form(request, OnboardFields, official.t)

    def action(data: OnboardFields) -> Any:
        return service.onboard(
            conn,
            official.principal,
            CooperativeOnboarding(
                cooperative=_record(data),
                first_user=FirstUser(
                    login=data.login, display_name=data.display_name, language=data.language
                ),
            ),
        )

    done = await form.run(conn, action)
    if done is None:
        return render(official, "cooperatives/new.html", form=form, status=422)
    # The one-time password is shown on this answer only (a refresh does not post again:
    # the browser asks, and a second post is refused as a taken tax code).
    return render(official, "cooperatives/onboarded.html", done=done, status=201)


async def _cooperative_page(
    conn: Conn,
    official: Official,
    settings: AppSettings,
    cooperative_id: int,
    *,
    form: Form[Any] | None = None,
    suspension: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    record = await cooperatives.get(conn, cooperative_id)
    year = clock.today().year
    budget = await subsidy.budgets(conn, official.principal, settings, year, cooperative_id)
    return render(
        official,
        "cooperatives/cooperative.html",
        record=record,
        form=form or Form[Any](official.t, _values(record, official.t)),
        suspension=suspension or Form[Any](official.t),
        people=await people.list_users(conn, cooperative_id, None, PAGE),
        keys=await keys.list_keys(conn, cooperative_id, 0, PAGE),
        budget=budget[0] if budget else None,
        status=status,
    )


@get("/cooperatives/{cooperative_id:int}", summary="A cooperative", dependencies=OFFICIAL)
async def cooperative_page(
    conn: Conn, official: Official, settings: AppSettings, cooperative_id: PathId
) -> Any:
    return await _cooperative_page(conn, official, settings, cooperative_id)


@post("/cooperatives/{cooperative_id:int}", summary="Save a cooperative", dependencies=OFFICIAL)
async def save_cooperative(
    request: Request[Any, Any, Any],
    conn: Conn,
    official: Official,
    settings: AppSettings,
    cooperative_id: PathId,
) -> Any:
    await cooperatives.get(conn, cooperative_id)  # 404 before reading a form for nothing
    form = await read_form(request, CooperativeCreate, official.t)
    saved = await form.run(
        conn, lambda data: service.replace(conn, official.principal, cooperative_id, data)
    )
    if saved is None:
        return await _cooperative_page(
            conn, official, settings, cooperative_id, form=form, status=422
        )
    return redirect(official, f"/portal/cooperatives/{cooperative_id}", notice="saved")


@post(
    "/cooperatives/{cooperative_id:int}/suspend",
    summary="Suspend a cooperative",
    dependencies=OFFICIAL,
)
async def suspend(
    request: Request[Any, Any, Any],
    conn: Conn,
    official: Official,
    settings: AppSettings,
    cooperative_id: PathId,
) -> Any:
    form = await read_form(request, Suspension, official.t)
    done = await form.run(
        conn, lambda data: service.suspend(conn, official.principal, cooperative_id, data)
    )
    if done is None:
        return await _cooperative_page(
            conn, official, settings, cooperative_id, suspension=form, status=422
        )
    return redirect(official, f"/portal/cooperatives/{cooperative_id}", notice="suspended")


@post(
    "/cooperatives/{cooperative_id:int}/lift-suspension",
    summary="Lift a cooperative's suspension",
    dependencies=OFFICIAL,
)
async def lift(conn: Conn, official: Official, cooperative_id: PathId) -> Any:
    await service.lift_suspension(conn, official.principal, cooperative_id)
    return redirect(official, f"/portal/cooperatives/{cooperative_id}", notice="suspension_lifted")


HANDLERS = [
    cooperatives_page,
    onboarding_page,
    onboard,
    cooperative_page,
    save_cooperative,
    suspend,
    lift,
]
