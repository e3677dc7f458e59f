"""EPCIS 2.0 capture: a cooperative sends the events of its own lots from its own system.

A document is taken whole or not at all (EPCIS "rollback" behaviour): it must validate
against GS1's EPCIS 2.0 JSON schema, and every event must name at least one lot of the
caller's (a lot class ``…/01/{gtin}/10/{lot}``, one of its stamps as an SGTIN
``…/01/{gtin}/21/{serial}``, a carton's SSCC, or the lot's own URL for products without a
GTIN) and no other cooperative's lot, in any notation (``identifiers.py``). Each event is
kept once under GS1's canonical event hash (``event_hash.py``), so sending it again changes
nothing; a new event joins the timeline of every lot it names, mapped to the timeline's
steps by its CBV business step.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote

import asyncpg
import msgspec

from traceability import clock
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.epcis import repository
from traceability.epcis.event_hash import document_prefixes, event_hash, parse_time
from traceability.epcis.identifiers import CANONICAL_HOST, canonical_digital_link
from traceability.epcis.schema import schema_errors
from traceability.epcis.schemas import CapturedEvent, CaptureJob
from traceability.errors import Forbidden, InvalidInput, TraceabilityError
from traceability.registry.access import may_manage

MAX_EVENTS = 1_000
"""Events per capture request (the ``GS1-EPCIS-Capture-Limit`` we announce)."""
MAX_EVENT_BYTES = 65_536
CLOCK_SKEW = timedelta(minutes=5)
MAX_SERIAL = 2**40 - 1


class InvalidEpcisDocument(TraceabilityError):
    """The EPCIS document is not valid."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "epcis-validation"


class CaptureTooLarge(TraceabilityError):
    """Too many events in one capture."""

    status: ClassVar[int] = 413
    slug: ClassVar[str] = "too-large"


# --- what an event is about ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LotRef:
    id: int
    cooperative_id: int
    harvested_on: date


@dataclass(slots=True)
class Named:
    """The identifiers one event names, sorted by what they may stand for here."""

    lot_classes: set[tuple[str, str]] = field(default_factory=set)
    stamps: set[tuple[str, int]] = field(default_factory=set)
    cartons: set[str] = field(default_factory=set)
    lot_ids: set[int] = field(default_factory=set)


_ID_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_SERIAL = re.compile(r"0|[1-9][0-9]{0,12}")


def _is_serial(text: str) -> bool:
    """One of our stamp serials: decimal without leading zeros, at most 2^40 - 1."""
    return _SERIAL.fullmatch(text) is not None and int(text) <= MAX_SERIAL


def _identifiers(event: Mapping[str, Any]) -> Iterator[str]:
    for key in _ID_LISTS:
        yield from (e for e in event.get(key) or [] if isinstance(e, str))
    if isinstance(event.get("parentID"), str):
        yield event["parentID"]
    for key in _QUANTITY_LISTS:
        for element in event.get(key) or []:
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                yield element["epcClass"]


def named_in(event: Mapping[str, Any], base: str) -> Named:
    named = Named()
    lot_url = re.compile(re.escape(base) + r"/api/v1/lots/([1-9][0-9]{0,17})")
    for text in _identifiers(event):
        if (own := lot_url.fullmatch(text)) is not None:
            named.lot_ids.add(int(own.group(1)))
            continue
        canonical = canonical_digital_link(text)
        if canonical is None:
            continue
        parts = canonical.removeprefix(CANONICAL_HOST).split("/")[1:]
        if parts[0] == "00":
            named.cartons.add(parts[1])
        elif parts[0] == "01" and len(parts) == 4 and parts[2] == "10":
            named.lot_classes.add((parts[1], unquote(parts[3])))
        elif parts[0] == "01" and len(parts) == 4 and parts[2] == "21" and _is_serial(parts[3]):
            named.stamps.add((parts[1], int(parts[3])))
    return named


async def _lots(conn: asyncpg.Connection, named: Sequence[Named]) -> list[set[LotRef]]:
    """The lots each event names (several queries for the whole document, not per event)."""
    classes = sorted(set().union(*(n.lot_classes for n in named)))
    stamps = sorted(set().union(*(n.stamps for n in named)))
    cartons = sorted(set().union(*(n.cartons for n in named)))
    ids = sorted(set().union(*(n.lot_ids for n in named)))
    by_class: dict[tuple[str, str], LotRef] = {}
    for row in await repository.lots_by_class(conn, classes):
        by_class[(row["gtin"], row["code"])] = _ref(row)
    by_stamp: dict[tuple[str, int], LotRef] = {}
    for row in await repository.lots_of_stamps(conn, stamps):
        if row["id"] is not None:
            by_stamp[(row["gtin"], row["serial"])] = _ref(row)
    by_carton: dict[str, set[LotRef]] = {}
    for row in await repository.lots_of_cartons(conn, cartons):
        by_carton.setdefault(row["sscc"], set()).add(_ref(row))
    by_id = {row["id"]: _ref(row) for row in await repository.lots_by_id(conn, ids)}
    found = []
    for n in named:
        lots = {by_class[c] for c in n.lot_classes if c in by_class}
        lots |= {by_stamp[s] for s in n.stamps if s in by_stamp}
        lots |= {by_id[i] for i in n.lot_ids if i in by_id}
        for sscc in n.cartons:
            lots |= by_carton.get(sscc, set())
        found.append(lots)
    return found


def _ref(row: Mapping[str, Any]) -> LotRef:
    return LotRef(row["id"], row["cooperative_id"], row["harvested_on"])


# --- how an event reads on the timeline ---------------------------------------------------

_KINDS = {
    "commissioning": "harvest",
    "creating_class_instance": "harvest",
    "assembling": "processing",
    "disassembling": "processing",
    "killing": "processing",
    "packing": "packing",
    "repackaging": "packing",
    "shipping": "shipping",
    "departing": "shipping",
    "loading": "shipping",
    "transporting": "shipping",
    "staging_outbound": "shipping",
    "receiving": "receiving",
    "arriving": "receiving",
    "accepting": "receiving",
    "unloading": "receiving",
    "storing": "storing",
    "stocking": "storing",
    "holding": "storing",
    "inspecting": "inspecting",
    "sampling": "inspecting",
    "sensor_reporting": "inspecting",
    "cycle_counting": "inspecting",
    "stock_taking": "inspecting",
}


def cbv_word(value: Any, web: str, urn: str) -> str | None:
    """A CBV term in any of its spellings (``packing``, its Web URI, its URN) as the bare word."""
    if not isinstance(value, str):
        return None
    for prefix in (web, urn, "cbv:" + web.rsplit("/", 1)[-1]):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value if re.fullmatch(r"[a-z_]+", value) else None


def timeline_kind(event: Mapping[str, Any]) -> str:
    """The timeline step of an event, from its CBV business step (CBV 2.0 §7.1)."""
    step = cbv_word(
        event.get("bizStep"), "https://ref.gs1.org/cbv/BizStep-", "urn:epcglobal:cbv:bizstep:"
    )
    if step in _KINDS:
        return _KINDS[step]
    if step is None and event.get("type") == "TransformationEvent":
        return "processing"
    if step is None and event.get("type") == "AggregationEvent" and event.get("action") == "ADD":
        return "packing"
    return "other"


def location_id(event: Mapping[str, Any]) -> str | None:
    for key in ("bizLocation", "readPoint"):
        where = event.get(key)
        if isinstance(where, dict) and isinstance(where.get("id"), str):
            return str(where["id"])
    return None


def gln_of(location: str | None) -> tuple[str, str | None] | None:
    """(GLN, extension) when the location is an SGLN in any notation."""
    canonical = canonical_digital_link(location) if location else None
    if canonical is None or not canonical.startswith(CANONICAL_HOST + "/414/"):
        return None
    parts = canonical.removeprefix(CANONICAL_HOST + "/414/").split("/")
    return parts[0], (unquote(parts[2]) if len(parts) == 3 else None)


def zone_name(offset: Any) -> str:
    """An IANA zone for the event's offset, so the timeline shows its local time."""
    if offset == "+07:00":
        return clock.VIETNAM_ZONE
    match = re.fullmatch(r"([+-])(\d{2}):00", offset) if isinstance(offset, str) else None
    if match is None or int(match.group(2)) == 0 or int(match.group(2)) > 12:
        return "UTC"
    hours = int(match.group(2))
    # POSIX-style names invert the sign: Etc/GMT-7 is seven hours ahead of UTC.
    return f"Etc/GMT{'-' if match.group(1) == '+' else '+'}{hours}"


def _place(location: str | None, gln: tuple[str, str | None] | None, names: dict[str, str],
           fallback: str) -> str:  # fmt: skip
    if gln is not None:
        text = names.get(gln[0], f"GLN {gln[0]}")
        return f"{text} ({gln[1]})" if gln[1] else text
    if location and location.isprintable() and len(location.strip()) <= 200:
        return location.strip()
    return fallback


# --- the capture --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """One event checked and ready to store."""

    hash: str
    event_id: str
    kind: str
    time: datetime
    zone: str
    location: str | None
    gln: tuple[str, str | None] | None
    lots: frozenset[LotRef]
    document: dict[str, Any]


def _event_list(document: Any) -> list[Any]:
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise InvalidEpcisDocument(
            "Send an EPCISDocument (EPCIS 2.0 JSON-LD) whose epcisBody holds an eventList.",
            errors=["(document): type is not EPCISDocument"],
        )
    body = document.get("epcisBody")
    events = body.get("eventList") if isinstance(body, dict) else None
    if not isinstance(events, list):
        raise InvalidEpcisDocument(
            "The document's epcisBody holds no eventList.",
            errors=["epcisBody: eventList is required for capture"],
        )
    return events


async def validate(document: Any) -> list[Mapping[str, Any]]:
    """The events of a valid document; else 400 with the schema's errors, or 413."""
    events = _event_list(document)
    if len(events) > MAX_EVENTS:
        raise CaptureTooLarge(
            f"Send at most {MAX_EVENTS:,} events per capture; this one has {len(events):,}.",
            limit=MAX_EVENTS,
        )
    # jsonschema walks the whole document: off the event loop, so other requests go on.
    errors = await asyncio.to_thread(schema_errors, document)
    if errors:
        raise InvalidEpcisDocument(
            f"The document does not validate against GS1's EPCIS 2.0 schema "
            f"({len(errors)} error{'s' if len(errors) > 1 else ''} listed).",
            errors=errors,
        )
    return events


def _stored(event: Mapping[str, Any], contexts: list[Any], hashed: str) -> dict[str, Any]:
    """The event as we keep and export it: self-describing, with an id."""
    stored = dict(event)
    own = stored.pop("@context", None)
    combined = [*contexts, *(own if isinstance(own, list) else [own] if own else [])]
    if "eventID" not in stored:
        stored["eventID"] = hashed
    return {"@context": combined, **stored} if combined else stored


def _prepare(
    events: Sequence[Mapping[str, Any]], document: Mapping[str, Any], lots: list[set[LotRef]],
    principal: Principal, now: datetime,
) -> list[Prepared]:  # fmt: skip
    prefixes = document_prefixes(document)
    context = document.get("@context")
    contexts = [c for c in (context if isinstance(context, list) else [context]) if isinstance(
        c, dict) and c]  # fmt: skip
    prepared, problems, foreign = [], [], []
    for index, (event, its_lots) in enumerate(zip(events, lots, strict=True)):
        where = f"eventList/{index}"
        hashed = event_hash(event, prefixes)
        given = event.get("eventID")
        if isinstance(given, str) and given.startswith("ni:///") and given != hashed:
            problems.append(f"{where}: eventID {given[:90]} is not this event's hash {hashed}")
        if not its_lots:
            problems.append(f"{where}: names none of your lots (by lot, stamp or carton)")
            continue
        if not all(may_manage(principal, lot.cooperative_id) for lot in its_lots):
            foreign.append(f"{where}: names a lot of another cooperative")
            continue
        moment = parse_time(str(event.get("eventTime")))
        if moment is None:
            problems.append(f"{where}: eventTime is not an RFC 3339 time with an offset")
            continue
        for lot in its_lots:
            if moment < clock.day_start(lot.harvested_on):
                problems.append(
                    f"{where}: eventTime is before lot {lot.id} was harvested ({lot.harvested_on})"
                )
        if moment > now + CLOCK_SKEW:
            problems.append(f"{where}: eventTime is in the future")
        stored = _stored(event, contexts, hashed)
        if len(msgspec.json.encode(stored)) > MAX_EVENT_BYTES:
            problems.append(f"{where}: the event is larger than {MAX_EVENT_BYTES:,} bytes")
        location = location_id(event)
        prepared.append(
            Prepared(
                hash=hashed,
                event_id=str(stored["eventID"]),
                kind=timeline_kind(event),
                time=moment,
                zone=zone_name(event.get("eventTimeZoneOffset")),
                location=location,
                gln=gln_of(location),
                lots=frozenset(its_lots),
                document=stored,
            )
        )
    if foreign:
        raise Forbidden(
            "A cooperative key captures events of its own lots only; nothing was stored.",
            errors=foreign,
        )
    if problems:
        raise InvalidInput(
            "Some events cannot join a lot's timeline; nothing was stored.", errors=problems
        )
    return prepared


async def capture(
    conn: asyncpg.Connection, principal: Principal, document: Any, base: str, now: datetime
) -> CaptureJob:
    """Store a document's new events (all or none) and put them on their lots' timelines."""
    events = await validate(document)
    lots = await _lots(conn, [named_in(e, base) for e in events])
    prepared = _prepare(events, document, lots, principal, now)
    glns = sorted({p.gln[0] for p in prepared if p.gln is not None})
    names = await repository.places_by_gln(conn, glns)
    own = principal.cooperative_id if principal.role == "cooperative" else None
    capture_id, created_at = await repository.insert_capture(
        conn, own, principal.key_id, len(prepared)
    )
    results: list[CapturedEvent] = []
    seen: set[str] = set()
    homes: dict[int, tuple[str, str]] = {}
    new = 0
    for item in prepared:
        if item.hash in seen:
            results.append(CapturedEvent(item.event_id, item.hash, new=False, lot_ids=[]))
            continue
        seen.add(item.hash)
        cooperatives = {lot.cooperative_id for lot in item.lots}
        event_row = await repository.insert_event(
            conn, item, capture_id, next(iter(cooperatives)) if len(cooperatives) == 1 else None
        )
        lot_ids = sorted(lot.id for lot in item.lots)
        results.append(CapturedEvent(item.event_id, item.hash, event_row is not None, lot_ids))
        if event_row is None:
            continue
        new += 1
        for lot in sorted(item.lots, key=lambda lot: lot.id):
            if lot.cooperative_id not in homes:
                homes[lot.cooperative_id] = await repository.cooperative_place(
                    conn, lot.cooperative_id
                )
            actor, home = homes[lot.cooperative_id]
            place = _place(item.location, item.gln, names, home)
            await repository.insert_timeline_entry(
                conn, lot.id, item, place, actor, principal.key_id, event_row
            )
    await repository.finish_capture(conn, capture_id, new)
    await record(
        conn, principal, "capture", "epcis_capture", capture_id, cooperative_id=own,
        after={"events": len(prepared), "new": new, "ids": [r.event_hash for r in results]},
    )  # fmt: skip
    return CaptureJob(
        capture_id=str(capture_id),
        created_at=created_at,
        finished_at=clock.now(),
        event_count=len(prepared),
        new_event_count=new,
        events=results,
    )
