"""Planting areas (Decision 3156/QĐ-BNN-TT codes): list, register, correct, delete while no
lot comes from them. The same service as ``/api/v1/planting-areas``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get, post

from traceability.deps import Conn
from traceability.errors import Conflict
from traceability.inputs import PathId
from traceability.pagination import keyset
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import N_
from traceability.portal.pages.staff import cooperative_of
from traceability.portal.web import SignedIn, redirect, render
from traceability.registry.planting_areas import repository as areas
from traceability.registry.planting_areas import service
from traceability.registry.planting_areas.schemas import (
    PlantingArea,
    PlantingAreaCreate,
    PlantingAreaPatch,
)

SHOWN = 500
CODE_RULE = N_("Like VN-HG-BQ-VH-001-24: country, province, district, commune, number, year.")
EDITABLE = [f for f in PlantingAreaCreate.__struct_fields__ if f != "cooperative_id"]


async def _list_page(conn: Conn, person: SignedIn, form: Form[Any], status: int = 200) -> Any:
    coop = cooperative_of(person)
    found = await areas.list_areas(
        conn, cooperative_id=coop, crop=None, keys=keyset("code", "code", None, SHOWN)
    )
    lots = dict(
        await conn.fetch(
            "SELECT planting_area_id, count(*) FROM lots WHERE planting_area_id = ANY($1::bigint[])"
            " GROUP BY planting_area_id",
            [a.id for a in found],
        )
    )
    return render(person, "registry/areas.html", form=form, areas=found, lots=lots, status=status)


@get("/planting-areas", summary="Planting areas")
async def areas_page(conn: Conn, person: SignedIn) -> Any:
    return await _list_page(conn, person, Form(person.t))


@post("/planting-areas", summary="Register a planting area")
async def create_area(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    coop = cooperative_of(person)
    form = await read_form(
        request,
        PlantingAreaCreate,
        person.t,
        fixed={"cooperative_id": coop},
        messages={"code": CODE_RULE},
    )
    made = await form.run(conn, lambda data: service.create_area(conn, person.principal, data))
    if made is None:
        return await _list_page(conn, person, form, status=422)
    return redirect(person, f"/portal/planting-areas/{made.id}", notice="saved")


async def _own(conn: Conn, person: SignedIn, area_id: int) -> PlantingArea:
    cooperative_of(person)
    return await service.owned_area(conn, person.principal, area_id)  # another's: 404


async def _area_page(
    conn: Conn,
    person: SignedIn,
    area: PlantingArea,
    *,
    edit_form: Form[Any] | None = None,
    delete_form: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    if edit_form is None:
        t = person.t
        values = {
            "code": area.code,
            "crop": area.crop,
            "name": area.name or "",
            "area_ha": t.number(area.area_ha),
            "latitude": t.number(area.latitude) if area.latitude is not None else "",
            "longitude": t.number(area.longitude) if area.longitude is not None else "",
        }
        edit_form = Form(t, values)
    return render(
        person,
        "registry/area.html",
        area=area,
        lots=await conn.fetchval("SELECT count(*) FROM lots WHERE planting_area_id = $1", area.id),
        edit_form=edit_form,
        delete_form=delete_form or Form(person.t),
        status=status,
    )


@get("/planting-areas/{area_id:int}", summary="A planting area")
async def area_page(conn: Conn, person: SignedIn, area_id: PathId) -> Any:
    return await _area_page(conn, person, await _own(conn, person, area_id))


@post("/planting-areas/{area_id:int}", summary="Correct a planting area")
async def update_area(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, area_id: PathId
) -> Any:
    area = await _own(conn, person, area_id)
    form = await read_form(
        request,
        PlantingAreaCreate,
        person.t,
        fixed={"cooperative_id": area.cooperative_id},
        messages={"code": CODE_RULE},
    )

    def change(data: PlantingAreaCreate) -> Any:
        # The whole form is sent: a field left blank clears it.
        patch = msgspec.convert({f: getattr(data, f) for f in EDITABLE}, PlantingAreaPatch)
        return service.update_area(conn, person.principal, area.id, patch)

    saved = await form.run(conn, change)
    if saved is None:
        return await _area_page(conn, person, area, edit_form=form, status=422)
    return redirect(person, f"/portal/planting-areas/{area.id}", notice="saved")


@post("/planting-areas/{area_id:int}/delete", summary="Delete a planting area")
async def delete_area(conn: Conn, person: SignedIn, area_id: PathId) -> Any:
    area = await _own(conn, person, area_id)
    try:
        async with conn.transaction():
            await service.delete_area(conn, person.principal, area.id)
    except Conflict as exc:  # lots were harvested from it
        form: Form[Any] = Form(person.t)
        form.fail_with(exc)
        return await _area_page(conn, person, area, delete_form=form, status=409)
    return redirect(person, "/portal/planting-areas", notice="area_deleted")


HANDLERS = [areas_page, create_area, area_page, update_area, delete_area]
