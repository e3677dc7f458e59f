"""GS1 Digital Link resolver routes and the EPCIS export. Public: what a box's code leads to."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response, get, head
from litestar.datastructures import State
from litestar.params import FromPath
from litestar.status_codes import HTTP_302_FOUND, HTTP_307_TEMPORARY_REDIRECT

from traceability.deps import Conn
from traceability.errors import NotFound
from traceability.resolver.digital_link import DigitalLink, parse
from traceability.resolver.epcis import epcis_document
from traceability.resolver.linkset import (
    GS1_VOC,
    LINK_TYPES,
    Link,
    link_type_name,
    links_for,
    linkset,
)
from traceability.resolver.repository import (
    ids_for_link,
    listing_url,
    origin_for_link,
    origin_for_lot,
)
from traceability.scanning.page import product_page
from traceability.scanning.repository import count_click
from traceability.scanning.text import language
from traceability.stamping.runtime import StampRuntime

LINKSET_JSON = "application/linkset+json"


def _base(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


def _passed_on_query(request: Request[Any, Any, Any]) -> str:
    """The query string minus ``linkType``, passed on to the target as the standard asks."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "linkType"]
    return urlencode(kept)


def _with_query(href: str, query: str) -> str:
    if not query:
        return href
    fragment = ""
    if "#" in href:
        href, fragment = href.split("#", 1)
        fragment = "#" + fragment
    return f"{href}{'&' if '?' in href else '?'}{query}{fragment}"


async def _resolve(request: Request[Any, Any, Any], conn: Conn, path: str) -> Response[Any]:
    link = parse("01/" + path.lstrip("/"))  # Litestar keeps the leading slash of a path param
    origin = await origin_for_link(conn, link)
    if origin is None:
        raise NotFound(f"No product with GTIN {link.gtin} is registered here.")
    base = _base(request)
    links = links_for(base, link, origin)
    anchor = base + link.path
    linkset_header = f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_JSON}"'
    wanted = request.query_params.get("linkType")
    if wanted in ("linkset", "all") or (
        wanted is None and LINKSET_JSON in request.headers.get("accept", "")
    ):
        return Response(
            linkset(anchor, links), media_type=LINKSET_JSON, headers={"Link": linkset_header}
        )
    target = _choose(links, wanted or "defaultLink")
    return Response(
        None,
        status_code=HTTP_307_TEMPORARY_REDIRECT,
        headers={
            "Location": _with_query(target.href, _passed_on_query(request)),
            "Link": linkset_header,
        },
    )


def _choose(links: list[Link], wanted: str) -> Link:
    name = link_type_name(wanted)
    if name is None:
        raise NotFound(f"This resolver has no link type {wanted!r}.")
    for link in links:
        if link.link_type == name:
            return link
    raise NotFound(f"No {GS1_VOC}{name} link for this item.")


@get("/01/{path:path}", summary="Resolve a GS1 Digital Link", tags=["gs1"])
async def resolve_digital_link(
    request: Request[Any, Any, Any], conn: Conn, path: FromPath[str]
) -> Response[Any]:
    return await _resolve(request, conn, path)


@head("/01/{path:path}", summary="Resolve a GS1 Digital Link (headers only)", tags=["gs1"])
async def resolve_digital_link_head(
    request: Request[Any, Any, Any], conn: Conn, path: FromPath[str]
) -> Response[None]:
    answer = await _resolve(request, conn, path)
    return Response(
        None,
        status_code=answer.status_code,
        headers=dict(answer.headers),
        media_type=answer.media_type,
    )


@get("/.well-known/gs1resolver", summary="GS1 resolver description", tags=["gs1"])
async def resolver_description(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    base = _base(request)
    return Response(
        {
            "name": "Hà Giang smart-stamp traceability",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["gtin"],
            "supportedQualifiers": ["lot", "ser"],
            "supportedLinkTypes": [GS1_VOC + t for t in LINK_TYPES],
            "linkTypeDefaultCanBeLinkset": False,
            "supportsLinksetQuery": True,
            "jwksUri": f"{base}/.well-known/jwks.json",
        },
        headers={"Cache-Control": "public, max-age=3600"},
    )


@get(
    "/api/v1/lots/{lot_id:int}/epcis", summary="A lot's timeline as EPCIS 2.0 JSON-LD", tags=["gs1"]
)
async def lot_epcis(
    request: Request[Any, Any, Any], conn: Conn, lot_id: FromPath[int]
) -> Response[dict[str, Any]]:
    origin = await origin_for_lot(conn, lot_id)
    if origin is None or origin.lot is None:
        raise NotFound(f"No lot {lot_id}.")
    return Response(epcis_document(_base(request), origin), media_type="application/ld+json")


@get(
    "/p/01/{path:path}",
    summary="A product's origin page (the Digital Link's default)",
    tags=["gs1"],
    media_type=MediaType.HTML,
)
async def product_origin_page(
    request: Request[Any, Any, Any], state: State, conn: Conn, path: FromPath[str]
) -> Response[str]:
    link = parse("01/" + path.lstrip("/"))
    ids = await ids_for_link(conn, link)
    runtime: StampRuntime = state.stamps
    origin = await runtime.cache.origin(ids[0]) if ids else None
    if ids is None or origin is None:
        raise NotFound(f"No product with GTIN {link.gtin} is registered here.")
    lot = await runtime.cache.lot(ids[1]) if ids[1] is not None else None
    lang = language(request.query_params.get("lang"), request.headers.get("accept-language"))
    page = product_page(origin, lot, lang=lang, path=f"/p{link.path}")
    return Response(
        page,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "public, max-age=300", "Vary": "Accept-Language"},
    )


@get(
    "/p/buy/{listing_id:int}",
    summary="Go to a marketplace listing (counted)",
    tags=["gs1"],
    status_code=HTTP_302_FOUND,
)
async def product_buy_again(conn: Conn, listing_id: FromPath[int]) -> Response[None]:
    url = await listing_url(conn, listing_id)
    if url is None:
        raise NotFound(f"No listing {listing_id}.")
    await count_click(conn, listing_id)
    return Response(
        None, status_code=HTTP_302_FOUND, headers={"Location": url, "Cache-Control": "no-store"}
    )


ROUTES = [
    resolve_digital_link,
    resolve_digital_link_head,
    resolver_description,
    lot_epcis,
    product_origin_page,
    product_buy_again,
]
__all__ = ["ROUTES", "DigitalLink"]
