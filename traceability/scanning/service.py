"""Resolving a scanned code to its stamp, batch, ranges, product and lot, fast.

The hot path verifies the signature in-process and answers from per-worker caches:
batches never change once ordered (cached until evicted); activations, revocations,
products and lots are forgotten when a change to them commits, on every instance at once
(:mod:`traceability.changes`). While the worker hears those notifications, entries are kept
for minutes; while it does not (its listening connection lost), for a few seconds only
(``settings.scan_cache_seconds``).
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import hashlib
import hmac
import ipaddress
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

import asyncpg
import iptocc
from litestar.di import NamedDependency

from stamps import InvalidStamp, KeyRing, Stamp, verify
from traceability import clock
from traceability.db.sql import queries_beside
from traceability.errors import database_unavailable
from traceability.registry.origin import ProductOrigin, product_origin

Q = queries_beside(__file__)

K = TypeVar("K")
V = TypeVar("V")

_ORIGIN_SECONDS = 30.0
TRUSTED_SECONDS = 300.0
"""How long entries are kept while change notifications arrive (a bound, not a schedule:
each entry is forgotten the moment a change to it commits)."""
_MAX_ENTRIES = 20_000


@dataclass(frozen=True, slots=True)
class BatchFacts:
    id: int
    cooperative_id: int
    product_id: int
    lot_id: int | None
    first_serial: int
    last_serial: int
    scratch_pins: bool = True


@dataclass(frozen=True, slots=True)
class RangeFact:
    first_serial: int
    last_serial: int
    at: datetime
    lot_id: int | None = None
    reason: str | None = None
    category: str | None = None
    """A revocation's category: damaged_replaced, recalled, counterfeit or other."""


@dataclass(frozen=True, slots=True)
class BatchState:
    activations: tuple[RangeFact, ...]
    revocations: tuple[RangeFact, ...]

    def activation(self, serial: int) -> RangeFact | None:
        """The first activation covering the serial, with the lot of the latest that named one."""
        found: RangeFact | None = None
        lot_id: int | None = None
        for a in self.activations:
            if a.first_serial <= serial <= a.last_serial:
                found = found or a
                lot_id = a.lot_id if a.lot_id is not None else lot_id
        if found is None:
            return None
        return RangeFact(found.first_serial, found.last_serial, found.at, lot_id)

    def revocation(self, serial: int) -> RangeFact | None:
        for r in self.revocations:
            if r.first_serial <= serial <= r.last_serial:
                return r
        return None


class _TtlCache(Generic[K, V]):
    """A small TTL cache that loads each missing key once, however many ask at once.

    The load runs as a task of its own: a caller that gives up (its request cancelled, a
    client gone) leaves the load running for the others, who get its value or its error.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._values: dict[K, tuple[float, V]] = {}
        self._loading: dict[K, asyncio.Task[V]] = {}
        self._generation = 0

    async def get(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        hit = self._values.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load, self._generation))
            self._loading[key] = task
            task.add_done_callback(_consume_error)
        return await asyncio.shield(task)

    async def _load(self, key: K, load: Callable[[], Awaitable[V]], generation: int) -> V:
        started = time.monotonic()
        try:
            value = await load()
        finally:
            if self._loading.get(key) is asyncio.current_task():
                del self._loading[key]
        # A value loaded while the key was forgotten may predate the change: serve it to
        # those who asked, but do not keep it.
        if generation == self._generation:
            if len(self._values) >= _MAX_ENTRIES:
                self._values.clear()
            self._values[key] = (started + self.seconds, value)
        return value

    def forget(self, key: K) -> None:
        self._values.pop(key, None)
        if self._loading.pop(key, None) is not None:
            self._generation += 1

    def clear(self) -> None:
        self._values.clear()
        self._loading.clear()
        self._generation += 1

    def forget_where(self, matches: Callable[[K], bool]) -> None:
        for key in [k for k in (*self._values, *self._loading) if matches(k)]:
            self.forget(key)


def _consume_error(task: asyncio.Task[Any]) -> None:
    # Every waiter may have given up: the error is theirs to see, not the loop's to log.
    if not task.cancelled():
        task.exception()


class ScanCache:
    def __init__(self, pool: asyncpg.Pool, seconds: float) -> None:
        self._pool = pool
        self._seconds = seconds
        self._starts: list[int] = []
        self._batches: list[BatchFacts] = []
        self._states: _TtlCache[int, BatchState] = _TtlCache(seconds)
        self._origins: _TtlCache[tuple[int, int | None], ProductOrigin | None] = _TtlCache(
            max(seconds, _ORIGIN_SECONDS)
        )

    def hearing_changes(self, listening: bool) -> None:
        """Trust entries for minutes while change notifications arrive, else for seconds.

        Either way, what is cached now may have missed a change: it is all dropped.
        """
        states = TRUSTED_SECONDS if listening else self._seconds
        origins = TRUSTED_SECONDS if listening else max(self._seconds, _ORIGIN_SECONDS)
        self._states.seconds = states
        self._origins.seconds = origins
        self.clear()

    def changed(self, what: str) -> None:
        """Forget what a change notification names (``batch:12``, ``product:3``…)."""
        kind, _, key = what.partition(":")
        number = int(key) if key.isdigit() else None
        if kind == "batch" and number is not None:
            self._states.forget(number)
        elif kind == "product" and number is not None:
            self.forget_origin(number)
        elif kind == "lot" and number is not None:  # its events, area or recall
            self._origins.forget_where(lambda origin: origin[1] == number)
        elif kind in ("cooperative", "planting_area"):  # shown in many origins
            self._origins.clear()
        else:  # a change this version does not know: forget everything rather than guess
            self.clear()

    def clear(self) -> None:
        """Forget everything, batch ranges too (after a gap, the database may have been
        restored to another state)."""
        self._starts, self._batches = [], []
        self._states.clear()
        self._origins.clear()

    async def batch(self, serial: int) -> BatchFacts | None:
        """The batch whose range holds the serial. Ranges never change, so they stay cached."""
        i = bisect.bisect_right(self._starts, serial) - 1
        if i >= 0 and self._batches[i].last_serial >= serial:
            return self._batches[i]
        row = await self._pool.fetchrow(Q["batch_facts"], serial)
        if row is None:
            return None
        facts = BatchFacts(
            row["id"],
            row["cooperative_id"],
            row["product_id"],
            row["lot_id"],
            row["first_serial"],
            row["last_serial"],
            row["scratch_pins"],
        )
        if len(self._starts) < _MAX_ENTRIES:
            j = bisect.bisect_left(self._starts, facts.first_serial)
            if j == len(self._starts) or self._starts[j] != facts.first_serial:
                self._starts.insert(j, facts.first_serial)
                self._batches.insert(j, facts)
        return facts

    async def state(self, batch_id: int) -> BatchState:
        async def load() -> BatchState:
            async with self._pool.acquire() as conn:
                activations = await conn.fetch(Q["batch_activations"], batch_id)
                revocations = await conn.fetch(Q["batch_revocations"], batch_id)
            return BatchState(
                tuple(
                    RangeFact(
                        r["first_serial"], r["last_serial"], r["activated_at"], lot_id=r["lot_id"]
                    )
                    for r in activations
                ),
                tuple(
                    RangeFact(
                        r["first_serial"],
                        r["last_serial"],
                        r["revoked_at"],
                        reason=r["reason"],
                        category=r["category"],
                    )
                    for r in revocations
                ),
            )

        return await self._states.get(batch_id, load)

    async def origin(self, product_id: int, lot_id: int | None) -> ProductOrigin | None:
        """The registry's read model of the product and (if it is the product's) the lot."""

        async def load() -> ProductOrigin | None:
            async with self._pool.acquire() as conn:
                return await product_origin(conn, product_id, lot_id)

        return await self._origins.get((product_id, lot_id), load)

    def forget_origin(self, product_id: int) -> None:
        """Drop every cached origin of the product (with any of its lots)."""
        self._origins.forget_where(lambda key: key[0] == product_id)

    def forget_batch(self, batch_id: int) -> None:
        self._states.forget(batch_id)

    def forget_batches(self, batch_ids: Iterable[int]) -> None:
        for batch_id in batch_ids:
            self._states.forget(batch_id)


Cache = NamedDependency[ScanCache]
"""A handler parameter ``cache: Cache`` gets the worker's scan cache."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the ranges say about a scanned code, before the scan is recorded."""

    verdict: str
    reason: str | None = None
    stamp: Stamp | None = None
    batch: BatchFacts | None = None
    activation: RangeFact | None = None
    revocation: RangeFact | None = None
    origin: ProductOrigin | None = None
    """The product and the stamp's lot (``origin.lot``), as the registry reads them."""

    @property
    def expired(self) -> bool:
        lot = self.origin.lot if self.origin else None
        return lot is not None and lot.expires_on is not None and lot.expires_on < clock.today()


class DetailsUnavailable(Exception):
    """The stamp's signature is valid, but what else it is needs the database, which is down."""

    def __init__(self, stamp: Stamp) -> None:
        super().__init__(f"stamp {stamp.serial}: the database cannot be reached")
        self.stamp = stamp


async def resolve(code: str, ring: KeyRing, cache: ScanCache) -> Resolution:
    """Check the signature in-process, then what the registry says of the stamp.

    Raises :class:`DetailsUnavailable` (with the verified stamp) when the database is down.
    """
    try:
        stamp = verify(code, ring)
    except InvalidStamp as exc:
        return Resolution("not_genuine", exc.reason.value)
    try:
        return await _registered(stamp, cache)
    except Exception as exc:
        if isinstance(exc, TimeoutError) or database_unavailable(exc) is not None:
            raise DetailsUnavailable(stamp) from exc
        raise


async def _registered(stamp: Stamp, cache: ScanCache) -> Resolution:
    batch = await cache.batch(stamp.serial)
    if batch is None:
        return Resolution("not_genuine", "unknown_serial", stamp)
    state = await cache.state(batch.id)
    activation = state.activation(stamp.serial)
    revocation = state.revocation(stamp.serial)
    lot_id = (activation.lot_id if activation else None) or batch.lot_id
    origin = await cache.origin(batch.product_id, lot_id)
    if revocation is not None:
        verdict, reason = "revoked", revocation.reason
    elif activation is None:
        verdict, reason = "not_activated", None
    else:
        verdict, reason = "genuine", None
    return Resolution(verdict, reason, stamp, batch, activation, revocation, origin)


# --- who is scanning, coarsely ---------------------------------------------------------

PREVIEW = "preview"
"""Link-preview fetchers and crawlers: answered, recorded, but not counted as scans."""

_UA_FAMILIES = (
    # Zalo, Facebook, WhatsApp, Telegram… fetch a link pasted into a chat to draw its
    # preview; that is not a person holding the box. "Bot" is matched with its usual
    # separator so that phone models such as "CUBOT_P30" stay browsers.
    (
        PREVIEW,
        re.compile(
            r"[Bb]ot[/ ;-]|[Bb]ot$|crawler|spider|facebookexternalhit|Facebot|WhatsApp/"
            r"|SkypeUriPreview|Zalo.*(?:[Pp]review|[Cc]rawler)"
        ),
    ),
    ("zalo", re.compile(r"zalo", re.I)),
    ("facebook", re.compile(r"FBAN|FBAV|FB_IAB|FBIOS|Messenger", re.I)),
    ("samsung", re.compile(r"SamsungBrowser", re.I)),
    ("firefox", re.compile(r"Firefox|FxiOS", re.I)),
    ("chrome", re.compile(r"Chrome|CriOS|Chromium", re.I)),
    ("safari", re.compile(r"Safari|AppleWebKit", re.I)),
)


def ua_family(user_agent: str | None) -> str:
    """preview, zalo, facebook, samsung, firefox, chrome, safari or other.

    Preview fetchers first, then in-app browsers (their user agents also name Chrome or
    Safari), then browsers.
    """
    if user_agent:
        for family, pattern in _UA_FAMILIES:
            if pattern.search(user_agent):
                return family
    return "other"


@dataclass(frozen=True, slots=True)
class Network:
    """Where a request came from, coarsely: never the address itself."""

    hash: str
    """A keyed hash of the /24 (IPv4) or /48 (IPv6) prefix, as text."""
    key: int
    """The same hash as a signed 64-bit number (what the scan log stores)."""
    country: str | None
    """The country the address block is registered to (ISO 3166-1 alpha-2), if any."""


def network_hash(secret: bytes, address: str | None) -> str | None:
    """A keyed hash of the /24 (IPv4) or /48 (IPv6) network: a place, never an address."""
    network = client_network(secret, address)
    return network.hash if network is not None else None


def client_network(secret: bytes, address: str | None) -> Network | None:
    if not address:
        return None
    return _client_network(secret, address)


@functools.lru_cache(maxsize=4096)
def _client_network(secret: bytes, address: str) -> Network | None:
    # Parsing the address and the HMAC cost ~17 µs; phones rescan from the same network.
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    digest = hmac.new(secret, str(network).encode(), hashlib.sha256).digest()
    # The registries' delegation data shipped in the iptocc wheel: offline, in-process,
    # ~0.3 µs; only the country code is kept.
    country = iptocc.country_code(str(ip))
    return Network(
        digest.hex()[:24],
        int.from_bytes(digest[:8], "big", signed=True),
        country if country and len(country) == 2 and country.isupper() else None,
    )


SESSION_COOKIE = "scan_session"
"""The first-party cookie that makes a reload the same scan (no JavaScript needed)."""
_SESSION_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def session_cookie(header: str | None) -> str | None:
    """The scan session id in a ``Cookie`` header, if it is one this service could have set."""
    if not header or SESSION_COOKIE not in header:
        return None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            if len(value) == 22 and _SESSION_ALPHABET.issuperset(value):
                return value
            return None
    return None


def new_session() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 random bits


def session_key(secret: bytes, session: str) -> int:
    """A keyed hash of the session id as a signed 64-bit number: the log never holds the id."""
    hasher = _keyed_blake2b(secret).copy()  # the keyed state once, not a key set-up a scan
    hasher.update(session.encode())
    return int.from_bytes(hasher.digest(), "big", signed=True)


@functools.lru_cache(maxsize=4)
def _keyed_blake2b(secret: bytes) -> hashlib.blake2b:
    return hashlib.blake2b(digest_size=8, key=secret[:64])


def shared_location(lat: str | None, lon: str | None) -> tuple[float | None, float | None]:
    """A location the consumer chose to share, rounded to 0.1° (about 11 km)."""
    if lat is None or lon is None:
        return None, None
    try:
        la, lo = round(float(lat), 1), round(float(lon), 1)
    except ValueError:
        return None, None
    if not (-90 <= la <= 90 and -180 <= lo <= 180):
        return None, None
    return la, lo
