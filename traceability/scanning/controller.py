"""GET /s/<code>: the page behind every stamp's QR (and /S/<code>, as printed in the QR)."""

from __future__ import annotations

import gzip
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

import msgspec
from litestar import Request, Response, get, head, post
from litestar.datastructures import Accept
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_302_FOUND

from stamps import KeyRing, NoSigningKey, Stamp, issue
from stamps.format import SCAN_PATH_RE
from traceability import clock
from traceability.deps import AppSettings, Conn
from traceability.errors import (
    PROBLEM_BASE,
    PROBLEM_JSON,
    NotFound,
    TooManyRequests,
    problem,
)
from traceability.inputs import PathId
from traceability.scanning import repository as repo
from traceability.scanning.page import message_page, pin_page, scan_page_bytes
from traceability.scanning.recorder import Recorded, Recorder, ScanEvent, ScanRecorder
from traceability.scanning.schemas import PinAnswer, ScanAnswer
from traceability.scanning.service import (
    SESSION_COOKIE,
    Cache,
    DetailsUnavailable,
    Resolution,
    ScanCache,
    client_network,
    network_hash,
    new_session,
    resolve,
    session_cookie,
    session_key,
    shared_location,
    ua_family,
)
from traceability.scanning.text import TEXT, language
from traceability.settings import Settings
from traceability.signing import Keys, StampKeys

log = logging.getLogger(__name__)

HTML = "text/html"
JSON = "application/json"
_PAGE_TYPE = HTML
"""Litestar appends "; charset=utf-8" to text/ types (given one, it doubled the charset)."""
SKIP_COMPRESSION = "skip_compression"
"""Route option: the handler compresses its own answers (see ``scan_page_bytes``)."""
MINIMUM_COMPRESSED_SIZE = 500
"""Smaller answers go out as they are: the app's compression middleware and the scan's own."""
_PAGE_HEADERS = {
    # Scan counts change with every scan: never serve a stored copy.
    "Cache-Control": "no-store",
    "Vary": "Accept, Accept-Language",
    "Content-Language": "vi",
}
"""Security headers (CSP, nosniff, Referrer-Policy…) come from the app's outer layer."""


RETRY_AFTER_SECONDS = 30
"""How soon to scan again while the database cannot be reached."""


def _operation_id(handler: Any, method: Any, components: list[Any]) -> str:
    # /s/ and /S/ differ only in case; OpenAPI operation ids must still be unique.
    upper = bool(components) and components[0] == "S"
    return f"{handler.handler_name}_{str(method).lower()}" + ("_qr_path" if upper else "")


def wants_json(accept: str | None) -> bool:
    if not accept or "json" not in accept:
        return False
    return Accept(accept).best_match(["text/html", "application/json"]) == "application/json"


def _gzip_headers(headers: dict[str, str]) -> dict[str, str]:
    # What the compression middleware would have added.
    return {**headers, "Content-Encoding": "gzip", "Vary": headers["Vary"] + ", Accept-Encoding"}


def _client(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _answer(res: Resolution, recorded: Recorded | None) -> ScanAnswer:
    state = recorded.state if recorded else None
    return ScanAnswer(
        verdict=recorded.verdict if recorded else res.verdict,  # type: ignore[arg-type]
        reason=(
            state.suspicious_reason
            if state and recorded and recorded.verdict == "suspicious"
            else res.reason
        ),
        serial=res.stamp.serial if res.stamp and res.batch else None,
        key_id=res.stamp.key_id if res.stamp and res.batch else None,
        batch_id=res.batch.id if res.batch else None,
        activated_at=res.activation.at if res.activation else None,
        revoked_at=res.revocation.at if res.revocation else None,
        revocation_category=res.revocation.category if res.revocation else None,  # type: ignore[arg-type]
        scan_count=state.scan_count if state else None,
        first_scan_at=state.first_scan_at if state else None,
        places=(state.places or None) if state else None,
        pin_verified_at=state.pin_verified_at if state else None,
        scratch_pin=res.batch.scratch_pins if res.batch else True,
        expired=res.expired or None,
        origin=res.origin,
    )


def sent_path(scope: Any) -> str:
    """The path as the client sent it (still percent-encoded, not normalised by the router)."""
    raw = scope.get("raw_path")
    return raw.decode("latin-1").split("?", 1)[0] if raw else str(scope["path"])


def _compact_code(stamp: Stamp, ring: KeyRing) -> str:
    try:
        return issue(stamp.serial, ring, stamp.key_id).code
    except NoSigningKey:  # only a revoked key cannot sign, and its stamps are not genuine
        return ""


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What a scan answer depends on, taken from the request by either way in."""

    code: str
    url_path: str
    lang: str | None = None
    lat: str | None = None
    lon: str | None = None
    client: str | None = None
    user_agent: str | None = None
    accept: str | None = None
    accept_language: str | None = None
    accept_encoding: str | None = None
    digital_link: bool = False
    """``code`` is a GS1 Digital Link stamp URL (its syntax checked by the resolver)."""
    cookie: str | None = None
    """The request's ``Cookie`` header: the scan session lives there."""


@dataclass(frozen=True, slots=True)
class ScanReply:
    status: int
    body: bytes
    media_type: str
    headers: dict[str, str]

    @property
    def content_type(self) -> str:
        """The Content-Type header Litestar sends for ``media_type``."""
        if self.media_type.startswith("text/"):
            return self.media_type + "; charset=utf-8"
        return self.media_type


class ScanRuntime(Protocol):
    """What answering a scan needs of the worker's runtime (the fast path holds it whole)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def keys(self) -> StampKeys: ...
    @property
    def cache(self) -> ScanCache: ...
    @property
    def recorder(self) -> ScanRecorder: ...


@dataclass(frozen=True, slots=True)
class ScanParts:
    """The routed handler's dependencies, as the fast path's runtime would give them."""

    settings: Settings
    keys: StampKeys
    cache: ScanCache
    recorder: ScanRecorder


async def scan_reply(runtime: ScanRuntime, scan: ScanRequest) -> ScanReply:
    """Verify, record and describe one scan (the page is only built once it is recorded)."""
    # Only /S/<code> and /s/<code> name a stamp: /S//<code>, /s/<code>/ or /s/%20<code>
    # are not what any stamp prints (docs/stamp-format.md §4), so they are not genuine.
    # A GS1 Digital Link stamp (§11) arrives through the resolver, which checked its syntax.
    canonical = scan.digital_link or SCAN_PATH_RE.fullmatch(scan.url_path)
    code = scan.code if canonical else ""
    keys = runtime.keys  # one ring for the whole scan, even if it is reloaded meanwhile
    try:
        res = await resolve(code, keys.ring, runtime.cache)
    except DetailsUnavailable as exc:
        return _unavailable(exc.stamp, scan, runtime.settings)
    latitude, longitude = shared_location(scan.lat, scan.lon)
    secret = keys.place_secret
    # One scan per browser session: a reload, a language switch or a shared location sends
    # the cookie back and updates that scan instead of adding one.
    session = session_cookie(scan.cookie)
    issued = None
    if session is None:
        session = issued = new_session()
    network = client_network(secret, scan.client)
    event = ScanEvent(
        serial=res.stamp.serial if res.stamp and res.batch else None,
        batch_id=res.batch.id if res.batch else None,
        at=clock.now(),
        verdict=res.verdict,
        ua_family=ua_family(scan.user_agent),
        session=session_key(secret, session),
        network=network.key if network else None,
        country=network.country if network else None,
        latitude=latitude,
        longitude=longitude,
        cooperative_id=res.batch.cooperative_id if res.batch else None,
        product_id=res.batch.product_id if res.batch else None,
    )
    try:
        recorded: Recorded | None = await runtime.recorder.record(event)
    except Exception as exc:  # the recorder has logged it; a page is never shown unrecorded…
        if res.stamp is not None:
            return _unavailable(res.stamp, scan, runtime.settings)
        # …but for a code whose signature is wrong: that verdict needs no database.
        log.warning("a scan of a code that is not a stamp was not recorded: %r", exc)
        recorded = None
    reply = _reply(runtime.settings, keys, scan, res, recorded)
    if issued is not None and recorded is not None:
        secure = "; Secure" if runtime.settings.public_url.startswith("https://") else ""
        # Path=/ because /s/ and /S/ are different cookie paths (both print in QR codes).
        cookie = (
            f"{SESSION_COOKIE}={issued}; Path=/; Max-Age={_SESSION_SECONDS}; HttpOnly;"
            f" SameSite=Lax{secure}"
        )
        return ScanReply(
            reply.status, reply.body, reply.media_type, {**reply.headers, "Set-Cookie": cookie}
        )
    return reply


_SESSION_SECONDS = 400 * 24 * 3600
"""A browser keeps its scan session this long (browsers cap cookies at 400 days)."""


def _reply(
    settings: Settings,
    keys: StampKeys,
    scan: ScanRequest,
    res: Resolution,
    recorded: Recorded | None,
) -> ScanReply:
    code = scan.code
    answer = _answer(res, recorded)
    status = 404 if answer.verdict == "not_genuine" else 200
    compress = "gzip" in (scan.accept_encoding or "")
    if wants_json(scan.accept):
        body = msgspec.json.encode(answer)
        if compress and len(body) >= MINIMUM_COMPRESSED_SIZE:
            return ScanReply(status, gzip.compress(body, 6), JSON, _gzip_headers(_PAGE_HEADERS))
        return ScanReply(status, body, JSON, _PAGE_HEADERS)
    chosen = language(scan.lang, scan.accept_language)
    # A code that is no stamp's still names this page (its report form posts back to it).
    stamp_code = res.stamp.code if res.stamp else code
    if res.stamp is not None and res.stamp.gtin is not None:
        # The page's own links (PIN, buy again, language) use the same stamp's compact
        # code: the same serial and key, so the same stamp to every other route.
        stamp_code = _compact_code(res.stamp, keys.ring)
    page = scan_page_bytes(
        answer,
        lang=chosen,
        # The stamp's own path, as printed in its QR (/S/) unless it was asked as /s/.
        path=(
            "/s/" + stamp_code
            if scan.url_path.startswith("/s/") or stamp_code.isdigit()
            else "/S/" + stamp_code
        ),
        code=scan.code,
        authority_phone=settings.authority_phone,
        gzip=compress,
    )
    if compress:
        return ScanReply(status, page, _PAGE_TYPE, _GZIP_LANGUAGE_HEADERS[chosen])
    return ScanReply(status, page, _PAGE_TYPE, _LANGUAGE_HEADERS[chosen])


def _unavailable(stamp: Stamp, scan: ScanRequest, settings: Settings) -> ScanReply:
    """The signature was checked in-process; the rest needs the database: an honest 503."""
    headers = {**_PAGE_HEADERS, "Retry-After": str(RETRY_AFTER_SECONDS)}
    if wants_json(scan.accept):
        problem = {
            "type": PROBLEM_BASE + "details-unavailable",
            "title": "The stamp's details are temporarily unavailable.",
            "status": 503,
            "detail": (
                "The stamp's signature is valid (checked by this service). Whether it is "
                "activated or revoked, and its product, need the database, which cannot be "
                f"reached now. Scan again in {RETRY_AFTER_SECONDS} seconds."
            ),
            "instance": scan.url_path,
            "signature": "valid",
            "serial": stamp.serial,
            "key_id": stamp.key_id,
        }
        return ScanReply(503, msgspec.json.encode(problem), PROBLEM_JSON, headers)
    lang = language(scan.lang, scan.accept_language)
    page = message_page(
        "unavailable",
        lang=lang,
        authority_phone=settings.authority_phone,
        banner="first",
        detail=TEXT[lang]["unavailable_next"],
    )
    return ScanReply(503, page.encode(), _PAGE_TYPE, {**headers, "Content-Language": lang})


_LANGUAGE_HEADERS = {lang: {**_PAGE_HEADERS, "Content-Language": lang} for lang in TEXT}
_GZIP_LANGUAGE_HEADERS = {lang: _gzip_headers(h) for lang, h in _LANGUAGE_HEADERS.items()}


@get(
    ["/s/{code:str}", "/S/{code:str}"],
    summary="Scan a stamp",
    tags=["scanning"],
    operation_id=_operation_id,
    opt={SKIP_COMPRESSION: True},
)
async def scan_stamp(
    request: Request[Any, Any, Any],
    settings: AppSettings,
    keys: Keys,
    cache: Cache,
    recorder: Recorder,
    code: FromPath[str],
    lang: FromQuery[str | None] = None,
    lat: FromQuery[str | None] = None,
    lon: FromQuery[str | None] = None,
) -> Response[Any]:
    """Verify, record and describe one scan: HTML for people, JSON for ``Accept: .../json``.

    Served by :mod:`traceability.scanning.fast` ahead of the router; this handler answers
    what the fast path leaves to the app (CORS requests) and documents the route.
    """
    headers = request.headers
    reply = await scan_reply(
        ScanParts(settings, keys, cache, recorder),
        ScanRequest(
            code=code,
            url_path=sent_path(request.scope),
            lang=lang,
            lat=lat,
            lon=lon,
            client=_client(request),
            user_agent=headers.get("user-agent"),
            accept=headers.get("accept"),
            accept_language=headers.get("accept-language"),
            accept_encoding=headers.get("accept-encoding"),
            cookie=headers.get("cookie"),
        ),
    )
    return Response(
        reply.body,
        status_code=reply.status,
        media_type=reply.media_type,
        headers=reply.headers,
    )


@head(
    ["/s/{code:str}", "/S/{code:str}"],
    summary="Check a stamp without recording a scan",
    tags=["scanning"],
    operation_id=_operation_id,
)
async def peek_stamp(keys: Keys, cache: Cache, code: FromPath[str]) -> Response[None]:
    # Link previews (chat apps) send HEAD: they get the status, but are not counted as scans.
    try:
        res = await resolve(code, keys.ring, cache)
    except DetailsUnavailable:
        headers = {**_PAGE_HEADERS, "Retry-After": str(RETRY_AFTER_SECONDS)}
        return Response(None, status_code=503, media_type=_PAGE_TYPE, headers=headers)
    return Response(
        None,
        status_code=404 if res.verdict == "not_genuine" else 200,
        media_type=_PAGE_TYPE,
        headers=_PAGE_HEADERS,
    )


class _PinForm(msgspec.Struct, frozen=True):
    pin: str = ""
    lang: str | None = None


async def _pin_form(request: Request[Any, Any, Any]) -> _PinForm:
    content_type = request.headers.get("content-type", "")
    try:
        if "json" in content_type:
            return msgspec.json.decode(await request.body(), type=_PinForm)
        form = await request.form()
        return _PinForm(pin=str(form.get("pin") or ""), lang=form.get("lang"))
    except (msgspec.DecodeError, ValueError, TypeError):
        return _PinForm()


@post(
    ["/s/{code:str}/pin", "/S/{code:str}/pin"],
    summary="Check a stamp's scratch PIN",
    tags=["scanning"],
    operation_id=_operation_id,
    status_code=200,
)
async def check_stamp_pin(
    request: Request[Any, Any, Any],
    keys: Keys,
    cache: Cache,
    settings: AppSettings,
    conn: Conn,
    code: FromPath[str],
) -> Response[Any]:
    form = await _pin_form(request)
    lang = language(
        form.lang or request.query_params.get("lang"), request.headers.get("accept-language")
    )
    res = await resolve(code, keys.ring, cache)
    if res.stamp is None or res.batch is None:
        raise NotFound("Not a genuine stamp.")
    if not res.batch.scratch_pins:
        raise NotFound("This stamp has no scratch PIN.")
    answer = await repo.try_pin(
        conn,
        secret=keys.pin_secret,
        serial=res.stamp.serial,
        batch_id=res.batch.id,
        entered=form.pin[:40],
        client_hash=network_hash(keys.place_secret, _client(request)),
        max_per_stamp=settings.pin_max_failures_per_stamp,
        max_per_client=settings.pin_max_failures_per_client,
        window=timedelta(minutes=settings.pin_lockout_minutes),
    )
    status = {"locked": 429, "wrong": 422}.get(answer.result, 200)
    if wants_json(request.headers.get("accept")):
        if answer.result == "locked":
            # Returned, not raised: raising would roll back the failure just counted.
            locked = TooManyRequests("Too many wrong PINs for this stamp or network; try later.")
            return problem(429, locked.title, locked.detail, locked.slug, request.url.path)
        return Response(answer, status_code=status)
    return Response(
        pin_page(
            _pin_message(answer, lang, settings.pin_lockout_minutes),
            ok=answer.result == "verified",
            lang=lang,
            path="/s/" + res.stamp.code,
            authority_phone=settings.authority_phone,
        ),
        status_code=status,
        media_type=_PAGE_TYPE,
        headers={"Cache-Control": "no-store", "Retry-After": "60"}
        if status == 429
        else {"Cache-Control": "no-store"},
    )


def _pin_message(answer: PinAnswer, lang: str, minutes: int) -> str:
    t = TEXT[lang]
    if answer.result == "verified":
        return t["pin_verified"]
    if answer.result == "already_verified":
        assert answer.verified_at is not None
        local = clock.local(answer.verified_at)
        day = local.strftime("%d/%m/%Y" if lang == "vi" else "%Y-%m-%d")
        return t["pin_already"].format(date=day)
    if answer.result == "locked":
        return t["pin_locked"].format(minutes=minutes)
    return t["pin_wrong"].format(left=answer.attempts_left)


@get(
    ["/s/{code:str}/buy/{listing_id:int}", "/S/{code:str}/buy/{listing_id:int}"],
    summary="Go to a marketplace listing (counted)",
    tags=["scanning"],
    operation_id=_operation_id,
    status_code=302,
)
async def buy_again(
    keys: Keys, cache: Cache, conn: Conn, code: FromPath[str], listing_id: PathId
) -> Response[None]:
    res = await resolve(code, keys.ring, cache)
    if res.batch is None:
        raise NotFound("Not a genuine stamp.")
    url = await repo.listing_target(conn, listing_id, res.batch.product_id)
    if url is None:
        raise NotFound(f"No listing {listing_id} for this product.")
    await repo.count_click(conn, listing_id)
    return Response(
        None, status_code=HTTP_302_FOUND, headers={"Location": url, "Cache-Control": "no-store"}
    )


SCAN_HANDLERS = [scan_stamp, peek_stamp, check_stamp_pin, buy_again]
