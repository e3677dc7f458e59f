"""Products and their certifications: list and search, register, correct, delete while no
lot or stamp hangs on it; add and remove certifications (VietGAP, organic…).

The same service as ``/api/v1/products`` (``registry.products.service``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromQuery

from traceability.deps import Conn
from traceability.errors import Conflict
from traceability.inputs import PathId
from traceability.pagination import keyset
from traceability.portal.forms import Form, read_form
from traceability.portal.i18n import N_
from traceability.portal.pages.staff import cooperative_of
from traceability.portal.web import SignedIn, redirect, render
from traceability.registry.listings import service as listing_service
from traceability.registry.listings.schemas import ListingCreate
from traceability.registry.products import repository as products
from traceability.registry.products import service
from traceability.registry.products.schemas import (
    CertificationCreate,
    Product,
    ProductCreate,
    ProductPatch,
)

SHOWN = 500
SEARCH_MAX = 60
CATEGORIES: list[tuple[str, str]] = [
    ("fruit", N_("Fruit")),
    ("tea", N_("Tea")),
    ("honey", N_("Honey")),
    ("vegetable", N_("Vegetables")),
    ("grain", N_("Grain")),
    ("medicinal_herb", N_("Medicinal herbs")),
    ("livestock", N_("Livestock")),
    ("processed_food", N_("Processed food")),
    ("beverage", N_("Beverages")),
    ("handicraft", N_("Handicraft")),
    ("other", N_("Other")),
]
PLATFORMS: list[tuple[str, str]] = [
    ("voso", "Voso"),
    ("postmart", "Postmart"),
    ("sendo", "Sendo"),
    ("shopee", "Shopee"),
    ("lazada", "Lazada"),
    ("tiktok_shop", "TikTok Shop"),
    ("tiki", "Tiki"),
    ("vnexpress_shop", "VnExpress Shop"),
    ("own_shop", N_("Our own shop")),
    ("other", N_("Other")),
]
STARS: list[tuple[str, str]] = [("3", "3 ★"), ("4", "4 ★"), ("5", "5 ★")]
EDITABLE = [f for f in ProductCreate.__struct_fields__ if f != "cooperative_id"]


def _folded(text: str) -> str:
    """Lower case without tone marks: "cam sanh" finds "Cam sành"."""
    plain = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c for c in plain if not unicodedata.combining(c))


async def _own_products(conn: Conn, coop: int) -> list[Product]:
    keys = keyset("name", "name", None, SHOWN)
    return await products.list_products(
        conn, cooperative_id=coop, category=None, ocop_stars=None, gtin=None, keys=keys
    )


async def _list_page(
    conn: Conn, person: SignedIn, form: Form[Any], q: str = "", status: int = 200
) -> Any:
    coop = cooperative_of(person)
    found = await _own_products(conn, coop)
    if q:
        wanted = _folded(q)
        found = [
            p
            for p in found
            if wanted in _folded(p.name_vi)
            or wanted in _folded(p.name_en or "")
            or wanted in (p.gtin or "")
        ]
    return render(
        person,
        "registry/products.html",
        form=form,
        products=found,
        q=q,
        categories=CATEGORIES,
        stars=STARS,
        status=status,
    )


@get("/products", summary="Products")
async def products_page(conn: Conn, person: SignedIn, q: FromQuery[str] = "") -> Any:
    text = " ".join(q[:SEARCH_MAX].split())
    return await _list_page(conn, person, Form(person.t, {"category": "fruit"}), text)


@post("/products", summary="Register a product")
async def create_product(request: Request[Any, Any, Any], conn: Conn, person: SignedIn) -> Any:
    coop = cooperative_of(person)
    form = await read_form(request, ProductCreate, person.t, fixed={"cooperative_id": coop})
    made = await form.run(conn, lambda data: service.create_product(conn, person.principal, data))
    if made is None:
        return await _list_page(conn, person, form, status=422)
    return redirect(person, f"/portal/products/{made.id}", notice="saved")


def _values(person: SignedIn, product: Product) -> dict[str, str]:
    t = person.t
    values: dict[str, str] = {}
    for name in EDITABLE:
        value = getattr(product, name)
        if value is None:
            values[name] = ""
        elif name in ("ocop_issued_on", "ocop_expires_on"):
            values[name] = t.date(value)
        else:
            values[name] = str(value)
    return values


async def _product_page(
    conn: Conn,
    person: SignedIn,
    product: Product,
    *,
    edit_form: Form[Any] | None = None,
    cert_form: Form[Any] | None = None,
    listing_form: Form[Any] | None = None,
    delete_form: Form[Any] | None = None,
    status: int = 200,
) -> Any:
    return render(
        person,
        "registry/product.html",
        product=product,
        certifications=await products.list_certifications(conn, product.id),
        lots=await conn.fetchval("SELECT count(*) FROM lots WHERE product_id = $1", product.id),
        edit_form=edit_form or Form(person.t, _values(person, product)),
        cert_form=cert_form or Form(person.t),
        listings=await listing_service.listings_of(conn, person.principal, product.id),
        listing_form=listing_form or Form(person.t, {"platform": "voso"}),
        platforms=PLATFORMS,
        delete_form=delete_form or Form(person.t),
        categories=CATEGORIES,
        stars=STARS,
        status=status,
    )


async def _own(conn: Conn, person: SignedIn, product_id: int) -> Product:
    cooperative_of(person)
    return await service.owned_product(conn, person.principal, product_id)  # another's: 404


@get("/products/{product_id:int}", summary="A product")
async def product_page(conn: Conn, person: SignedIn, product_id: PathId) -> Any:
    return await _product_page(conn, person, await _own(conn, person, product_id))


@post("/products/{product_id:int}", summary="Correct a product")
async def update_product(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, product_id: PathId
) -> Any:
    product = await _own(conn, person, product_id)
    form = await read_form(
        request, ProductCreate, person.t, fixed={"cooperative_id": product.cooperative_id}
    )

    def change(data: ProductCreate) -> Any:
        # The whole form is sent: a field left blank clears it.
        patch = msgspec.convert({f: getattr(data, f) for f in EDITABLE}, ProductPatch)
        return service.update_product(conn, person.principal, product.id, patch)

    saved = await form.run(conn, change)
    if saved is None:
        return await _product_page(conn, person, product, edit_form=form, status=422)
    return redirect(person, f"/portal/products/{product.id}", notice="saved")


@post("/products/{product_id:int}/delete", summary="Delete a product")
async def delete_product(conn: Conn, person: SignedIn, product_id: PathId) -> Any:
    product = await _own(conn, person, product_id)
    try:
        async with conn.transaction():
            await service.delete_product(conn, person.principal, product.id)
    except Conflict as exc:  # lots or stamps hang on it
        form: Form[Any] = Form(person.t)
        form.fail_with(exc)
        return await _product_page(conn, person, product, delete_form=form, status=409)
    return redirect(person, "/portal/products", notice="product_deleted")


@post("/products/{product_id:int}/certifications", summary="Add a certification")
async def add_certification(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, product_id: PathId
) -> Any:
    product = await _own(conn, person, product_id)
    form = await read_form(request, CertificationCreate, person.t)
    done = await form.run(
        conn, lambda data: service.add_certification(conn, person.principal, product.id, data)
    )
    if done is None:
        return await _product_page(conn, person, product, cert_form=form, status=422)
    return redirect(person, f"/portal/products/{product.id}#certifications", notice="saved")


@post("/products/{product_id:int}/listings", summary="Add a marketplace listing")
async def add_listing(
    request: Request[Any, Any, Any], conn: Conn, person: SignedIn, product_id: PathId
) -> Any:
    product = await _own(conn, person, product_id)
    form = await read_form(request, ListingCreate, person.t)
    done = await form.run(
        conn, lambda data: listing_service.add_listing(conn, person.principal, product.id, data)
    )
    if done is None:
        return await _product_page(conn, person, product, listing_form=form, status=422)
    return redirect(person, f"/portal/products/{product.id}#listings", notice="saved")


@post(
    "/products/{product_id:int}/listings/{listing_id:int}/delete",
    summary="Remove a marketplace listing",
)
async def delete_listing(
    conn: Conn, person: SignedIn, product_id: PathId, listing_id: PathId
) -> Any:
    product = await _own(conn, person, product_id)
    await listing_service.delete_listing(conn, person.principal, product.id, listing_id)
    return redirect(person, f"/portal/products/{product.id}#listings", notice="saved")


@post(
    "/products/{product_id:int}/certifications/{certification_id:int}/delete",
    summary="Remove a certification",
)
async def delete_certification(
    conn: Conn, person: SignedIn, product_id: PathId, certification_id: PathId
) -> Any:
    product = await _own(conn, person, product_id)
    await service.delete_certification(conn, person.principal, product.id, certification_id)
    return redirect(person, f"/portal/products/{product.id}#certifications", notice="saved")


HANDLERS = [
    products_page,
    create_product,
    product_page,
    update_product,
    delete_product,
    add_certification,
    delete_certification,
    add_listing,
    delete_listing,
]
