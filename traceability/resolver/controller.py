"""GS1 Digital Link resolver routes and the EPCIS export. Public: what a box's code leads to.

Every absolute URL in these answers (linkset anchors and targets, ``Location``, ``Link``,
the resolver description, EPCIS ids) is built from ``TRACEABILITY_PUBLIC_URL``, never from
the request's ``Host`` header, which any client can set: these answers are cacheable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote_plus

import msgspec
from litestar import MediaType, Request, Response, get, head
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_302_FOUND, HTTP_307_TEMPORARY_REDIRECT

from traceability.deps import READS_FROM_REPLICA, AppSettings, Conn
from traceability.epcis.repository import lot_captured_events
from traceability.errors import NotFound
from traceability.inputs import PathId
from traceability.packing.repository import lot_cartons
from traceability.resolver.compression import NotCompressed, decompress, long_form
from traceability.resolver.digital_link import (
    DigitalLink,
    check_data_attributes,
    parse,
)
from traceability.resolver.epcis import StampActivation, epcis_document, packed_cartons
from traceability.resolver.linkset import (
    GS1_VOC,
    LINK_TYPES,
    LINKSET_CONTEXT,
    anchors_for,
    best_matches,
    candidates,
    link_type_name,
    linkset,
)
from traceability.resolver.repository import (
    ids_for_link,
    listing_url,
    lot_stamp_activations,
    origin_for_link,
    origin_for_lot,
)
from traceability.scanning.controller import ScanParts, ScanRequest, scan_reply
from traceability.scanning.page import product_page
from traceability.scanning.recorder import Recorder
from traceability.scanning.repository import count_click
from traceability.scanning.service import Cache
from traceability.scanning.text import language
from traceability.signing import Keys

LINKSET_JSON = "application/linkset+json"
RESOLVER_METHODS = "GET, HEAD, OPTIONS"


def public_base(request: Request[Any, Any, Any]) -> str:
    """``TRACEABILITY_PUBLIC_URL`` without a trailing slash: the one source of absolute URLs."""
    url: str = request.app.state.settings.public_url
    return url.rstrip("/")


def raw_path(request: Request[Any, Any, Any]) -> str:
    """The path as sent, still percent-encoded, so that ``%2F`` inside a lot stays data."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    return raw.decode("latin-1").split("?", 1)[0]


def _query_pairs(request: Request[Any, Any, Any]) -> list[tuple[str, str, str]]:
    """(raw pair, decoded key, decoded value) in the order sent."""
    raw = request.scope.get("query_string", b"").decode("latin-1")
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((part, unquote_plus(key), unquote_plus(value)))
    return pairs


def _with_query(href: str, query: str) -> str:
    if not query:
        return href
    fragment = ""
    if "#" in href:
        href, fragment = href.split("#", 1)
        fragment = "#" + fragment
    return f"{href}{'&' if '?' in href else '?'}{query}{fragment}"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes = b""
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def linkset_link_header(base: str, link: DigitalLink) -> str:
    return f'<{base}{link.path}?linkType=linkset>; rel="linkset"; type="{LINKSET_JSON}"'


def stamp_signature(link: DigitalLink, pairs: list[tuple[str, str, str]]) -> str | None:
    """The AI (8030) value when the link is a signed stamp (§11: GTIN, serial, signature)."""
    if link.serial is None or link.lot is not None:
        return None
    return next((value for _, key, value in pairs if key == "8030"), None)


async def _scan_gs1_stamp(
    request: Request[Any, Any, Any], parts: ScanParts, link: DigitalLink, signature: str
) -> ASGIResponse:
    """A GS1 Digital Link stamp: the same scan, page and verdicts as its compact form."""
    headers = request.headers
    reply = await scan_reply(
        parts,
        ScanRequest(
            code=f"{public_base(request)}{link.path}?8030={signature}",
            url_path=raw_path(request),
            lang=request.query_params.get("lang"),
            lat=request.query_params.get("lat"),
            lon=request.query_params.get("lon"),
            client=request.client.host if request.client else None,
            user_agent=headers.get("user-agent"),
            accept=headers.get("accept"),
            accept_language=headers.get("accept-language"),
            accept_encoding=None,  # this route's answers go through the app's compression
            digital_link=True,
        ),
    )
    return ASGIResponse(
        body=reply.body,
        status_code=reply.status,
        media_type=reply.media_type,
        headers=reply.headers,
    )


@dataclass(frozen=True, slots=True)
class Target:
    """What a request asks the resolver for, its compressed form already expanded."""

    link: DigitalLink
    pairs: list[tuple[str, str, str]]
    same_as: str | None = None
    """The uncompressed URI, when the request was compressed (``Link: rel="owl:sameAs"``)."""


def _compressed(path: str) -> list[tuple[str, str]] | None:
    """The pairs of a compressed path, ``/{bits}`` or ``/01/{gtin}/{bits}``; else None.

    A single segment that does not decompress is no resolver URI at all: the app's 404.
    """
    segments = path.strip("/").split("/")
    if len(segments) == 1:
        try:
            return decompress(segments[0])
        except NotCompressed:
            raise NotFoundException() from None
    if len(segments) == 3 and segments[0] == "01":
        try:
            return [("01", segments[1]), *decompress(segments[2])]
        except NotCompressed:
            return None  # parsed as a long form, which says what is wrong with it
    return None


def _target(request: Request[Any, Any, Any]) -> Target:
    path = raw_path(request)
    pairs = _query_pairs(request)
    compressed = _compressed(path)
    if compressed is None:
        return Target(parse(path), pairs)
    expanded = long_form(compressed)
    if expanded is None:
        raise NotFound("This resolver serves GTINs (AI 01) only.")
    long_path, attributes = expanded
    link = parse(long_path)
    encoded = [(f"{quote(k, safe='')}={quote(v, safe='')}", k, v) for k, v in attributes]
    all_pairs = [*encoded, *pairs]
    query = "&".join(raw for raw, _, _ in all_pairs)
    same_as = f"{public_base(request)}{link.path}{'?' + query if query else ''}"
    return Target(link, all_pairs, same_as)


async def _resolve(request: Request[Any, Any, Any], conn: Conn, target: Target) -> Answer:
    link, pairs = target.link, target.pairs
    check_data_attributes([(key, value) for _, key, value in pairs])
    origin = await origin_for_link(conn, link)
    if origin is None:
        raise NotFound(f"No product with GTIN {link.gtin} is registered here.")
    base = public_base(request)
    anchors = anchors_for(base, link, origin)
    headers = {
        "Link": linkset_link_header(base, link),
        # The same URI answers a linkset or a redirect depending on Accept.
        "Vary": "Accept, Accept-Language",
    }
    if target.same_as is not None:
        headers["Link"] += f', <{target.same_as}>; rel="owl:sameAs"'
    wanted = next((value for _, key, value in pairs if key == "linkType"), None)
    accept = request.headers.get("accept", "")
    if wanted in ("linkset", "all") or (wanted is None and LINKSET_JSON in accept):
        body = msgspec.json.encode(linkset(base, anchors))
        headers["Link"] += (
            f', <{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context";'
            ' type="application/ld+json"'
        )
        return Answer(200, body, LINKSET_JSON, headers)
    name = link_type_name(wanted) if wanted is not None else "defaultLink"
    if name is None:
        raise NotFound(f"This resolver has no link type {(wanted or '')[:100]!r}.")
    found = best_matches(candidates(anchors, name), accept, request.headers.get("accept-language"))
    if not found:
        raise NotFound(f"No {GS1_VOC}{name} link for this item.")
    if len(found) > 1:
        choices = {
            "linkset": [
                {
                    "anchor": base + link.path,
                    GS1_VOC + name: [choice.as_target() for choice in found],
                }
            ]
        }
        return Answer(300, msgspec.json.encode(choices), LINKSET_JSON, headers)
    # Passed on as sent: same order, same encoding, minus the resolver's own parameter.
    passed_on = "&".join(raw for raw, key, _ in pairs if key != "linkType")
    headers["Location"] = _with_query(found[0].href, passed_on)
    return Answer(HTTP_307_TEMPORARY_REDIRECT, b"", "text/plain", headers)


def _asgi(answer: Answer) -> ASGIResponse:
    return ASGIResponse(
        body=answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers=answer.headers,
    )


@get(
    ["/01/{path:path}", "/{path:str}"],
    summary="Resolve a GS1 Digital Link",
    description=(
        "GS1-Conformant Resolver 1.2: a 307 redirect to the default link, or to the link type "
        "named by `linkType` (a GS1 Web vocabulary term as `gs1:pip`, `pip` or its URI); the "
        "linkset (RFC 9264) with `Accept: application/linkset+json` or `?linkType=linkset`; "
        "300 when several links of the type fit equally; 400 on bad syntax; 404 when there "
        "is no such item or link. A compressed Digital Link (GS1's compression: `/{bits}` or "
        "`/01/{gtin}/{bits}`, URL-safe base64) answers as its long form does and names it in "
        '`Link: <…>; rel="owl:sameAs"`; a single segment that does not decompress is a 404.'
    ),
    tags=["gs1"],
    dependencies=READS_FROM_REPLICA,
)
async def resolve_digital_link(
    request: Request[Any, Any, Any],
    conn: Conn,
    settings: AppSettings,
    keys: Keys,
    cache: Cache,
    recorder: Recorder,
    path: FromPath[str],
) -> ASGIResponse:
    del path  # parsed from the raw path, where %2F is still data
    return await _answer(request, conn, ScanParts(settings, keys, cache, recorder))


async def _answer(request: Request[Any, Any, Any], conn: Conn, parts: ScanParts) -> ASGIResponse:
    target = _target(request)
    link, pairs = target.link, target.pairs
    signature = stamp_signature(link, pairs)
    wants_links = any(key == "linkType" for _, key, _ in pairs) or LINKSET_JSON in (
        request.headers.get("accept", "")
    )
    if signature is not None and not wants_links:
        check_data_attributes([(key, value) for _, key, value in pairs])
        return await _scan_gs1_stamp(request, parts, link, signature)
    return _asgi(await _resolve(request, conn, target))


def _head(answer: Answer) -> Response[None]:
    # A HEAD announces what the GET would send: its length and type, not an empty body's.
    headers = {**answer.headers, "Content-Length": str(len(answer.body))}
    if answer.body:
        headers["Content-Type"] = answer.media_type
    return Response(None, status_code=answer.status, media_type=answer.media_type, headers=headers)


@head(
    ["/01/{path:path}", "/{path:str}"],
    summary="Resolve a GS1 Digital Link (headers only)",
    tags=["gs1"],
    dependencies=READS_FROM_REPLICA,
)
async def resolve_digital_link_head(
    request: Request[Any, Any, Any], conn: Conn, path: FromPath[str]
) -> Response[None]:
    del path
    return _head(await _resolve(request, conn, _target(request)))


def resolver_description(base: str) -> dict[str, Any]:
    """``/.well-known/gs1resolver``, in the field names of GS1's description-file schema."""
    return {
        "name": "Hà Giang smart-stamp traceability",
        "resolverRoot": base,
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": LINKSET_CONTEXT,
        # Beyond GS1's schema (which allows extra members): where offline verifiers find
        # the keys, and the link types this resolver may answer.
        "jwksUri": f"{base}/.well-known/jwks.json",
        "linkTypes": [GS1_VOC + t for t in LINK_TYPES],
    }


@get("/.well-known/gs1resolver", summary="GS1 resolver description", tags=["gs1"])
async def gs1_resolver_description(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return Response(
        resolver_description(public_base(request)),
        headers={"Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*"},
    )


@get(
    "/api/v1/lots/{lot_id:int}/epcis",
    summary="A lot's timeline as EPCIS 2.0 JSON-LD",
    tags=["gs1"],
    media_type="application/ld+json",
    dependencies=READS_FROM_REPLICA,
)
async def lot_epcis(
    request: Request[Any, Any, Any], conn: Conn, lot_id: PathId
) -> Response[dict[str, Any]]:
    origin = await origin_for_lot(conn, lot_id)
    if origin is None or origin.lot is None:
        raise NotFound(f"No lot {lot_id}.")
    activations = [
        StampActivation(**dict(row)) for row in await lot_stamp_activations(conn, lot_id)
    ]
    captured = await lot_captured_events(conn, lot_id)
    cartons = packed_cartons(await lot_cartons(conn, lot_id))
    return Response(
        epcis_document(
            public_base(request),
            origin,
            activations=activations,
            captured=captured,
            cartons=cartons,
        ),
        media_type="application/ld+json",
    )


@get(
    "/p/01/{path:path}",
    summary="A product's origin page (the Digital Link's default)",
    tags=["gs1"],
    media_type=MediaType.HTML,
    dependencies=READS_FROM_REPLICA,
)
async def product_origin_page(
    request: Request[Any, Any, Any],
    cache: Cache,
    conn: Conn,
    settings: AppSettings,
    path: FromPath[str],
) -> Response[str]:
    del path
    link = parse(raw_path(request).removeprefix("/p"))
    ids = await ids_for_link(conn, link)
    origin = await cache.origin(*ids) if ids else None
    if origin is None:
        raise NotFound(f"No product with GTIN {link.gtin} is registered here.")
    lang = language(request.query_params.get("lang"), request.headers.get("accept-language"))
    page = product_page(origin, lang=lang, authority_phone=settings.authority_phone)
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
async def product_buy_again(conn: Conn, listing_id: PathId) -> Response[None]:
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
    gs1_resolver_description,
    lot_epcis,
    product_origin_page,
    product_buy_again,
]
__all__ = ["ROUTES", "DigitalLink"]
