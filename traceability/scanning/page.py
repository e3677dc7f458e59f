"""The consumer pages: tiny, readable without JavaScript, fast on a weak 3G signal.

Every page is a Jinja2 template with autoescape (``templates/``): no value ever reaches
HTML by string concatenation. The CSS is inline (its hash is in the Content-Security-Policy)
and the page stays far below 14 KB compressed, so it arrives in the first round trips of a
new connection. The one script (share my location) is a served file, so the policy allows
no inline script at all.

The scan page is the hot path. Per page shape, product and language it is rendered once,
with markers in place of the few values that change per scan (:data:`HOLES`); a scan then
fills the markers with its values escaped by :func:`_escaped`, the same escaping Jinja2
applies, so the result is byte for byte what rendering the template would give.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from typing import Any, Final, NamedTuple
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from traceability import clock
from traceability.registry.origin import Listing, ProductOrigin
from traceability.scanning.schemas import ScanAnswer
from traceability.scanning.text import PLATFORMS, TEXT

_STATIC = files("traceability.scanning") / "static"
_CSS_LINES = (files("traceability.scanning") / "templates" / "consumer.css").read_text("utf-8")
CSS: Final = Markup("".join(line.strip() for line in _CSS_LINES.splitlines()))  # noqa: S704 (our file)
"""The consumer pages' style sheet, inlined in every page (one round trip less on 3G)."""
STYLE_HASH: Final = (
    "'sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode() + "'"
)
"""The CSP source that allows exactly :data:`CSS` as an inline style."""


@dataclass(frozen=True, slots=True)
class Asset:
    name: str
    body: bytes
    media_type: str

    @property
    def url(self) -> str:
        """Versioned by content, so it may be cached for ever."""
        return f"/assets/{self.name}?v={hashlib.sha256(self.body).hexdigest()[:10]}"


SHARE_SCRIPT = Asset(
    "share-location.js",
    (_STATIC / "share-location.js").read_bytes(),
    "text/javascript; charset=utf-8",
)
FAVICON = Asset("favicon.ico", (_STATIC / "favicon.ico").read_bytes(), "image/x-icon")
_SCRIPT_URL = SHARE_SCRIPT.url


def _day(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = clock.local(value).date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()


@functools.lru_cache(maxsize=4096)
def _when(value: datetime | None, lang: str) -> str:
    """A moment in Việt Nam time.

    Cached: the zone conversion and strftime cost ~5 µs, and a batch's activation time (on
    every scan page of the batch) and a stamp's first scan repeat from page to page.
    """
    return _local(clock.local(value), lang) if value is not None else ""


def _local(value: datetime, lang: str) -> str:
    """A moment as it was recorded (lot events keep the zone their actor was in)."""
    return value.strftime("%H:%M %d/%m/%Y" if lang == "vi" else "%Y-%m-%d %H:%M")


def _fmt(text: str, **values: object) -> Markup:
    """A sentence of :data:`TEXT` with its ``{placeholders}`` filled, each value escaped."""
    return Markup.escape(text).format(**values)


def tel_href(phone: str) -> str:
    """``tel:`` with the digits (and a leading +) only: nothing else of the text gets in."""
    digits = re.sub(r"[^0-9]", "", phone)
    return "tel:" + ("+" if phone.strip().startswith("+") else "") + digits


def _product_name(origin: ProductOrigin, lang: str) -> str:
    return origin.name_en if lang == "en" and origin.name_en else origin.name_vi


def _trace_code(origin: ProductOrigin) -> list[str]:
    """The lot's GS1 element strings, (01)GTIN (10)LOT: Circular 02's trace code of the item."""
    if not origin.gtin:
        return []
    return [f"(01){origin.gtin}", *([f"(10){origin.lot.code}"] if origin.lot else [])]


def _buy_label(listing: Listing, lang: str) -> str:
    t = TEXT[lang]
    if listing.platform in PLATFORMS:
        if lang == "vi" and listing.label:
            return listing.label  # the cooperative's own words, in Vietnamese
        return t["buy_on"].format(platform=PLATFORMS[listing.platform])
    if lang == "vi" and listing.label:
        return listing.label
    return t["own_shop"] if listing.platform == "own_shop" else t["other_shop"]


_env = Environment(
    loader=PackageLoader("traceability.scanning", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
_env.globals.update(
    fmt=_fmt,
    day=_day,
    when=_when,
    local=_local,
    tel_href=tel_href,
    product_name=_product_name,
    trace_code=_trace_code,
    buy_label=_buy_label,
    css=CSS,
)


@dataclass(frozen=True, slots=True)
class Hotline:
    text: str
    href: str


def hotline(phone: str) -> Hotline | None:
    """The authority's hotline as a ``tel:`` link, if one is set."""
    return Hotline(phone, tel_href(phone)) if phone.strip() else None


def _common(lang: str, title: str, phone: str, other_href: str | None = None) -> dict[str, Any]:
    other = "en" if lang == "vi" else "vi"
    return {
        "lang": lang,
        "other": other,
        "other_href": other_href or f"?lang={other}",
        "t": TEXT[lang],
        "title": title,
        "hotline": hotline(phone),
        "script": None,
        "errors": {},
        "values": {},
    }


def render(name: str, **context: Any) -> str:
    return _env.get_template(name).render(**context)


# --- the scan page ------------------------------------------------------------------------

_BANNER_CLASS = {
    "genuine": "ok",
    "genuine_first": "first",
    "not_activated": "warn",
    "suspicious": "warn",
    "revoked": "bad",
    "not_genuine": "bad",
}
HOLES: Final = ("path", "n", "m", "first", "reason", "serial", "activated")
"""The values that change from scan to scan of one product's stamps."""
_MARKERS: Final = {name: Markup(f"\x00{name}\x00") for name in HOLES}  # noqa: S704 (constants)
_MARKER = re.compile("\x00([a-z]+)\x00")
"""NUL never occurs in text from the database (PostgreSQL refuses it) nor in escaped values."""


def heading(answer: ScanAnswer, code: str) -> str:
    """The page's heading key in :data:`TEXT`: the verdict, refined by its cause."""
    if answer.verdict == "revoked":
        return "revoked_" + (answer.revocation_category or "other")
    if answer.verdict == "not_genuine" and answer.reason == "malformed" and _cut_short(code):
        return "incomplete"
    return answer.verdict


def _cut_short(code: str) -> bool:
    """A run of digits that is not 177 long: a QR read only in part, or a link cut in a chat."""
    return code.isascii() and code.isdigit() and len(code) != 177


class _Shape(NamedTuple):
    """What decides which parts a scan page has (with the product, lot and language)."""

    verdict: str
    kind: str
    expired: bool
    activated: bool
    show_reason: bool
    scratch_pin: bool
    """The batch was printed with scratch PINs: the page offers to check one."""


def _shape(answer: ScanAnswer, kind: str) -> _Shape:
    return _Shape(
        answer.verdict,
        kind,
        bool(answer.expired and answer.origin and answer.origin.lot),
        answer.activated_at is not None,
        answer.verdict == "revoked" and bool(answer.reason),
        answer.scratch_pin,
    )


def _scan_context(
    shape: _Shape, origin: ProductOrigin | None, lang: str, phone: str
) -> dict[str, Any]:
    verdict, kind = shape.verdict, shape.kind
    t = TEXT[lang]
    with_origin = origin if verdict != "not_genuine" else None
    recalled = _recalled(with_origin)
    trusted = verdict in {"genuine", "genuine_first", "suspicious"}
    report = (
        "link"
        if kind == "incomplete"
        else "form"
        if verdict in {"not_genuine", "suspicious", "revoked"}
        else None
    )
    return {
        **_common(lang, t[kind], phone),
        "kind": kind,
        "banner": _BANNER_CLASS[verdict],
        "show_reason": shape.show_reason,
        "expired": shape.expired,
        "origin": with_origin,
        "stamp": with_origin is not None,
        "activated": shape.activated,
        "recalled": recalled,
        "advice": kind + "_next" in t,
        "report": report,
        "buy": with_origin is not None and trusted and not recalled,
        "pin": with_origin is not None and trusted and shape.scratch_pin,
        "share": verdict != "not_genuine",
        "script": _SCRIPT_URL if verdict != "not_genuine" else None,
    }


def _recalled(origin: ProductOrigin | None) -> bool:
    return origin is not None and origin.lot is not None and origin.lot.recall is not None


_PLAIN_PATH = re.compile(r"[/A-Za-z0-9]*")


def _url_path(path: str) -> str:
    """Percent-encoded for the URLs it goes into; a stamp's own path is digits already."""
    return path if _PLAIN_PATH.fullmatch(path) else quote(path, safe="/")


_HOLE_VALUES: Final[dict[str, Callable[[ScanAnswer, str, str], str]]] = {
    "path": lambda answer, lang, path: _url_path(path),
    "n": lambda answer, lang, path: str(answer.scan_count or 1),
    "m": lambda answer, lang, path: str(answer.places or 1),
    "first": lambda answer, lang, path: _when(answer.first_scan_at, lang),
    "reason": lambda answer, lang, path: answer.reason or "",
    "serial": lambda answer, lang, path: "" if answer.serial is None else str(answer.serial),
    "activated": lambda answer, lang, path: _when(answer.activated_at, lang),
}
assert set(_HOLE_VALUES) == set(HOLES)


def _hole_values(answer: ScanAnswer, lang: str, path: str) -> dict[str, str]:
    return {name: value(answer, lang, path) for name, value in _HOLE_VALUES.items()}


def _escaped(value: str) -> bytes:
    """The one way a scan's own values reach the cached page: Jinja2's own escaping."""
    return escape(value).encode()


def scan_page(
    answer: ScanAnswer,
    *,
    lang: str,
    path: str,
    code: str = "",
    authority_phone: str = "",
) -> str:
    """The page for people, rendered whole. ``path`` is the stamp's own path (``/s/<code>``)."""
    shape = _shape(answer, heading(answer, code))
    context = _scan_context(shape, answer.origin, lang, authority_phone)
    return render("scan.html", **context, hole=_hole_values(answer, lang, path))


# --- the hot path: the same page from cached pieces ---------------------------------------
#
# The fixed pieces are kept as UTF-8 and as raw deflate blocks, each ended by a full flush
# (byte-aligned, no back references across pieces); a gzip answer is the cached blocks with
# the holes in between as stored (uncompressed) blocks, so a scan compresses nothing.

_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"
_MAX_TEMPLATES = 512
_FINAL_EMPTY_BLOCK = b"\x03\x00"
"""A final fixed-Huffman block holding nothing: ends the deflate stream."""


def _stored_block_header(size: int) -> bytes:
    # BFINAL=0, BTYPE=00 (byte-aligned after a full flush), then LEN and its complement.
    return struct.pack("<BHH", 0, size, size ^ 0xFFFF)


def _deflate_piece(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


@dataclass(frozen=True, slots=True)
class _Pieces:
    origin: ProductOrigin | None
    plain: tuple[bytes, ...]
    """The page's fixed UTF-8 pieces, with an empty slot wherever a scan's value goes."""
    packed: tuple[bytes, ...]
    """The same as raw deflate blocks, each ended by a full flush; empty slots alike."""
    slots: tuple[tuple[int, str], ...]
    """(slot index, hole name) for every value a scan fills in."""
    names: tuple[str, ...]
    """The holes this page has, each once."""


_cached: dict[tuple[object, ...], _Pieces] = {}


def _pieces(shape: _Shape, origin: ProductOrigin | None, lang: str, phone: str) -> _Pieces:
    key = (shape, id(origin), lang, phone)
    found = _cached.get(key)
    if found is not None and found.origin is origin:
        return found
    text = render("scan.html", **_scan_context(shape, origin, lang, phone), hole=_MARKERS)
    split = _MARKER.split(text)  # piece, hole, piece, hole, …, piece
    plain = tuple(part.encode() if i % 2 == 0 else b"" for i, part in enumerate(split))
    packed = tuple(_deflate_piece(p) if i % 2 == 0 else b"" for i, p in enumerate(plain))
    slots = tuple((i, split[i]) for i in range(1, len(split), 2))
    made = _Pieces(origin, plain, packed, slots, tuple(dict.fromkeys(n for _, n in slots)))
    if len(_cached) >= _MAX_TEMPLATES:
        _cached.clear()
    _cached[key] = made
    return made


def _stored(value: bytes) -> bytes:
    """``value`` as stored (uncompressed) deflate blocks."""
    if len(value) <= 0xFFFF:
        return _stored_block_header(len(value)) + value
    return b"".join(
        _stored_block_header(len(value[i : i + 0xFFFF])) + value[i : i + 0xFFFF]
        for i in range(0, len(value), 0xFFFF)
    )


def scan_page_bytes(
    answer: ScanAnswer,
    *,
    lang: str,
    path: str,
    code: str = "",
    authority_phone: str = "",
    gzip: bool = False,
) -> bytes:
    """:func:`scan_page` as UTF-8, or as a gzip member of exactly that, from cached pieces."""
    made = _pieces(_shape(answer, heading(answer, code)), answer.origin, lang, authority_phone)
    values = {name: _escaped(_HOLE_VALUES[name](answer, lang, path)) for name in made.names}
    plain = list(made.plain)
    for i, name in made.slots:
        plain[i] = values[name]
    page = b"".join(plain)
    if not gzip:
        return page
    # Stored blocks: the values are short (a 180-byte path, a date), and compressing them
    # costs more per scan (zlib set-up and a flush per value) than it saves.
    stored = {name: _stored(value) for name, value in values.items()}
    packed = list(made.packed)
    for i, name in made.slots:
        packed[i] = stored[name]
    crc = struct.pack("<II", zlib.crc32(page), len(page) & 0xFFFFFFFF)
    return b"".join((_GZIP_HEADER, *packed, _FINAL_EMPTY_BLOCK, crc))


# --- the other consumer pages -------------------------------------------------------------

_product_pages: dict[tuple[int, str, str], tuple[ProductOrigin, str]] = {}


def product_page(origin: ProductOrigin, *, lang: str, authority_phone: str = "") -> str:
    """A product's (and lot's) origin without a stamp: where a GS1 Digital Link leads.

    It says plainly that it proves nothing about one box: only a stamp's signature does.
    """
    key = (id(origin), lang, authority_phone)
    found = _product_pages.get(key)
    if found is not None and found[0] is origin:
        return found[1]
    page = render(
        "product.html",
        **_common(lang, _product_name(origin, lang), authority_phone),
        origin=origin,
        stamp=False,
        activated=False,
        recalled=_recalled(origin),
        hole={},
    )
    if len(_product_pages) >= _MAX_TEMPLATES:
        _product_pages.clear()
    _product_pages[key] = (origin, page)
    return page


def pin_page(message: str, *, ok: bool, lang: str, path: str, authority_phone: str = "") -> str:
    t = TEXT[lang]
    stamp = quote(path, safe="/")
    back = f"{stamp}?lang={lang}"
    # The answer to a POST cannot be re-asked in the other language: the switch goes to the
    # stamp's page in it.
    other = f"{stamp}?lang={'en' if lang == 'vi' else 'vi'}"
    return render(
        "pin.html",
        **_common(lang, t["pin_title"], authority_phone, other_href=other),
        message=message,
        ok=ok,
        back=back,
    )


def report_page(
    *,
    lang: str,
    path: str,
    authority_phone: str = "",
    sent: int | None = None,
    limited: int | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> str:
    """The report-a-fake form on its own (with its errors), or its thanks, or "not now"."""
    t = TEXT[lang]
    stamp_path = quote(path, safe="/")
    title = t["report_sent"] if sent else t["report_title"]
    other = "en" if lang == "vi" else "vi"
    return render(
        "report.html",
        **{
            **_common(
                lang,
                title,
                authority_phone,
                other_href=f"?lang={other}" + (f"&sent={sent}" if sent else ""),
            ),
            "errors": errors or {},
            "values": values or {},
        },
        sent=sent,
        limited=limited,
        report_action=stamp_path + "/report",
        back=f"{stamp_path}?lang={lang}",
    )


def message_page(
    kind: str, *, lang: str, authority_phone: str = "", banner: str = "warn", detail: str = ""
) -> str:
    """A page that only says something: ``kind`` names its heading and text in TEXT."""
    t = TEXT[lang]
    return render(
        "message.html",
        **_common(lang, t[kind], authority_phone),
        banner=banner,
        heading=t[kind],
        body=t[kind + "_body"],
        detail=detail,
    )
