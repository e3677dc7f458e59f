"""A lot's timeline as an EPCIS 2.0 JSON-LD document (GS1 EPCIS 2.0 / CBV 2.0).

Harvest is a commissioning ObjectEvent that brings the lot's quantity into being, with the
lot master data (ILMD: harvest and expiry dates, country of origin). The later steps are
ObjectEvents that observe the same quantity at packing, shipping and receiving. Processing
has no exact CBV business step, so it is ``other`` with our own ``hg:step`` to say which.
Places travel as ``hg:place`` text and, where a GLN is known (the event's own, the planting
area's for the harvest, the cooperative's for its stamps and cartons), as an SGLN
(``https://id.gs1.org/414/{gln}``) in ``bizLocation``. Cartons packed with stamped items
are AggregationEvents (ADD, and DELETE once unpacked) with the carton's SSCC as parent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from traceability import clock
from traceability.registry.origin import LotEvent, ProductOrigin

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"

# UN/ECE Recommendation 20 codes, as EPCIS quantity elements use them.
UNIT_CODES = {"kg": "KGM", "t": "TNE", "g": "GRM", "l": "LTR", "ml": "MLT"}

_STEPS: dict[str, tuple[str, str, str]] = {
    # kind: (action, bizStep, disposition)
    "harvest": ("ADD", "commissioning", "active"),
    "processing": ("OBSERVE", "other", "in_progress"),
    "packing": ("OBSERVE", "packing", "in_progress"),
    "shipping": ("OBSERVE", "shipping", "in_transit"),
    "receiving": ("OBSERVE", "receiving", "in_progress"),
    "storing": ("OBSERVE", "storing", "in_progress"),
    "inspecting": ("OBSERVE", "inspecting", "in_progress"),
    "other": ("OBSERVE", "other", "in_progress"),
}


def lot_class(base: str, origin: ProductOrigin) -> str:
    """The lot's EPC class: its GS1 Digital Link when the product has a GTIN."""
    assert origin.lot is not None
    if origin.gtin:
        return f"https://id.gs1.org/01/{origin.gtin}/10/{origin.lot.code}"
    return f"{base}/api/v1/lots/{origin.lot.id}"


def _offset(moment: datetime) -> str:
    text = moment.strftime("%z") or "+0000"
    return f"{text[:3]}:{text[3:]}"


def _quantity(epc_class: str, origin: ProductOrigin) -> dict[str, Any]:
    assert origin.lot is not None
    element: dict[str, Any] = {"epcClass": epc_class, "quantity": float(origin.lot.quantity)}
    if origin.lot.unit in UNIT_CODES:
        element["uom"] = UNIT_CODES[origin.lot.unit]
    return element


def _event(base: str, origin: ProductOrigin, event: LotEvent, epc_class: str) -> dict[str, Any]:
    assert origin.lot is not None
    action, biz_step, disposition = _STEPS[event.kind]
    document: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": f"{base}/api/v1/lots/{origin.lot.id}/events/{event.id}",
        "eventTime": event.local_time.isoformat(),
        "eventTimeZoneOffset": _offset(event.local_time),
        "action": action,
        "bizStep": biz_step,
        "disposition": disposition,
        "quantityList": [_quantity(epc_class, origin)],
        "hg:step": event.kind,
        "hg:place": event.place,
        "hg:actor": event.actor,
    }
    if event.notes:
        document["hg:notes"] = event.notes
    if event.place_gln:
        document["bizLocation"] = {"id": sgln(event.place_gln)}
    if event.kind == "harvest":
        document["ilmd"] = _lot_master_data(origin)
        area = origin.planting_area
        if area is not None:
            where = sgln(area.gln) if area.gln else f"{base}/api/v1/planting-areas/{area.id}"
            document["readPoint"] = {"id": where}
            document["hg:plantingAreaCode"] = area.code
        if "bizLocation" not in document and origin.cooperative.gln:
            document["bizLocation"] = {"id": sgln(origin.cooperative.gln)}
    return document


def sgln(gln: str) -> str:
    """A location's GLN as its canonical GS1 Digital Link (an SGLN without extension)."""
    return f"https://id.gs1.org/414/{gln}"


def _lot_master_data(origin: ProductOrigin) -> dict[str, Any]:
    assert origin.lot is not None
    ilmd: dict[str, Any] = {
        "cbvmda:harvestStartDate": origin.lot.harvested_on.isoformat(),
        "cbvmda:countryOfOrigin": "VN",
    }
    if origin.lot.expires_on is not None:
        ilmd["cbvmda:itemExpirationDate"] = origin.lot.expires_on.isoformat()
    return ilmd


MAX_LISTED_EPCS = 1_000
"""Stamps listed one by one in a commissioning event; larger ranges travel as a quantity."""


@dataclass(frozen=True, slots=True)
class StampActivation:
    """Stamps activated on the lot's boxes: a serial range, when, and its batch."""

    id: int
    first_serial: int
    last_serial: int
    activated_at: datetime
    batch_id: int


def _commissioning(
    base: str, origin: ProductOrigin, activation: StampActivation, epc_class: str
) -> dict[str, Any]:
    """Smart stamps commissioned onto the lot's boxes (CBV 2.0 commissioning, one per range).

    With a GTIN each stamped box is an SGTIN in Digital Link form (``/01/{gtin}/21/{serial}``,
    the stamp's serial), listed when the range is small; else counted against the lot's class.
    """
    assert origin.lot is not None
    count = activation.last_serial - activation.first_serial + 1
    moment = clock.local(activation.activated_at)
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": f"{base}/api/v1/lots/{origin.lot.id}/activations/{activation.id}",
        "eventTime": moment.isoformat(),
        "eventTimeZoneOffset": _offset(moment),
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "hg:step": "stamps_activated",
        "hg:batch": f"{base}/api/v1/stamp-batches/{activation.batch_id}",
        "hg:firstSerial": activation.first_serial,
        "hg:lastSerial": activation.last_serial,
    }
    if origin.cooperative.gln:
        event["bizLocation"] = {"id": sgln(origin.cooperative.gln)}
    if origin.gtin and count <= MAX_LISTED_EPCS:
        event["epcList"] = [
            f"https://id.gs1.org/01/{origin.gtin}/21/{serial}"
            for serial in range(activation.first_serial, activation.last_serial + 1)
        ]
    else:
        event["quantityList"] = [{"epcClass": epc_class, "quantity": count}]
    return event


@dataclass(frozen=True, slots=True)
class CartonPart:
    """Stamps first..last of one lot in a carton."""

    first_serial: int
    last_serial: int
    lot_id: int
    lot_code: str
    gtin: str | None


@dataclass(frozen=True, slots=True)
class PackedCarton:
    """A carton (SSCC) and the stamped items packed into it."""

    id: int
    sscc: str
    packed_at: datetime
    unpacked_at: datetime | None
    gln: str | None
    """Where it was packed: its own GLN, else its cooperative's."""
    parts: tuple[CartonPart, ...]


def _children(base: str, carton: PackedCarton) -> dict[str, Any]:
    """Each stamped item as an SGTIN when all have a GTIN and they are few; else counts."""
    total = sum(p.last_serial - p.first_serial + 1 for p in carton.parts)
    if total <= MAX_LISTED_EPCS and all(p.gtin for p in carton.parts):
        return {
            "childEPCs": [
                f"https://id.gs1.org/01/{p.gtin}/21/{serial}"
                for p in carton.parts
                for serial in range(p.first_serial, p.last_serial + 1)
            ]
        }
    counts: dict[str, int] = {}
    for p in carton.parts:
        epc_class = (
            f"https://id.gs1.org/01/{p.gtin}/10/{p.lot_code}"
            if p.gtin
            else f"{base}/api/v1/lots/{p.lot_id}"
        )
        counts[epc_class] = counts.get(epc_class, 0) + p.last_serial - p.first_serial + 1
    return {"childQuantityList": [{"epcClass": c, "quantity": n} for c, n in counts.items()]}


def _aggregations(base: str, carton: PackedCarton) -> list[dict[str, Any]]:
    """The carton's packing (ADD) and, once unpacked, its unpacking (DELETE)."""
    steps = [("packed", carton.packed_at, "ADD", "packing", "in_progress")]
    if carton.unpacked_at is not None:
        steps.append(("unpacked", carton.unpacked_at, "DELETE", "unpacking", "in_progress"))
    events = []
    for name, at, action, biz_step, disposition in steps:
        moment = clock.local(at)
        event: dict[str, Any] = {
            "type": "AggregationEvent",
            "eventID": f"{base}/api/v1/cartons/{carton.id}#{name}",
            "eventTime": moment.isoformat(),
            "eventTimeZoneOffset": _offset(moment),
            "parentID": f"https://id.gs1.org/00/{carton.sscc}",
            **_children(base, carton),
            "action": action,
            "bizStep": biz_step,
            "disposition": disposition,
        }
        if carton.gln:
            event["bizLocation"] = {"id": sgln(carton.gln)}
        events.append(event)
    return events


def epcis_document(
    base: str,
    origin: ProductOrigin,
    now: datetime | None = None,
    activations: Sequence[StampActivation] = (),
    captured: Mapping[int, dict[str, Any]] | None = None,
    cartons: Sequence[PackedCarton] = (),
) -> dict[str, Any]:
    """The EPCISDocument for ``origin``'s lot; ``origin`` must have been read with a lot.

    ``captured`` maps timeline entries that came in through EPCIS capture to the event as it
    was sent: those are given back unchanged (same content, same hash id), once each.
    """
    epc_class = lot_class(base, origin)
    captured = captured or {}
    events = [
        captured[event.id] if event.id in captured else _event(base, origin, event, epc_class)
        for event in origin.timeline
    ]
    events.extend(_commissioning(base, origin, a, epc_class) for a in activations)
    for carton in cartons:
        events.extend(_aggregations(base, carton))
    events.sort(key=lambda e: str(datetime.fromisoformat(e["eventTime"]).astimezone(UTC)))
    return {
        "@context": [EPCIS_CONTEXT, {"hg": f"{base}/ns/epcis#"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
        "epcisBody": {"eventList": events},
    }


def packed_cartons(rows: Sequence[Mapping[str, Any]]) -> list[PackedCarton]:
    """Rows of (carton, one content range) grouped into cartons, in the rows' order."""
    cartons: dict[int, PackedCarton] = {}
    for row in rows:
        part = CartonPart(
            row["first_serial"], row["last_serial"], row["lot_id"], row["lot_code"], row["gtin"]
        )
        known = cartons.get(row["id"])
        if known is None:
            cartons[row["id"]] = PackedCarton(
                row["id"], row["sscc"], row["packed_at"], row["unpacked_at"], row["gln"], (part,)
            )
        else:
            cartons[row["id"]] = replace(known, parts=(*known.parts, part))
    return list(cartons.values())
