"""GS1's canonical event hash (CBV 2.0 §8.9) against the reference implementation's vectors."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from traceability.epcis.event_hash import (
    canonical_time,
    document_prefixes,
    event_hash,
    prehash,
)
from traceability.epcis.identifiers import canonical_digital_link

VECTORS = Path(__file__).parents[1] / "data" / "epcis-event-hash"


def _events(document: dict[str, Any]) -> list[dict[str, Any]]:
    body = document["epcisBody"]
    if "eventList" in body:
        events: list[dict[str, Any]] = body["eventList"]
        return events
    return list(body["queryResults"]["resultsBody"]["eventList"])


@pytest.mark.parametrize("name", sorted(p.stem for p in VECTORS.glob("*.jsonld")))
def test_reference_vectors(name: str) -> None:
    document = json.loads((VECTORS / f"{name}.jsonld").read_text(encoding="utf-8"))
    expected = (VECTORS / f"{name}.hashes").read_text(encoding="utf-8").split()
    prefixes = document_prefixes(document)
    assert [event_hash(e, prefixes) for e in _events(document)] == expected


def test_enough_vectors_are_checked() -> None:
    assert len(list(VECTORS.glob("*.jsonld"))) >= 20


EVENT: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventTime": "2024-11-20T08:30:00+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": ["https://id.gs1.org/01/08938534000017/21/1001"],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": "https://id.gs1.org/414/8938534000017"},
}


def test_the_same_event_written_differently_has_one_hash() -> None:
    reordered = dict(reversed(list(EVENT.items())))
    other = {
        **EVENT,
        "eventTime": "2024-11-20T01:30:00.000Z",  # the same instant in UTC
        "epcList": ["urn:epc:id:sgtin:8938534.000001.1001"],  # the SGTIN as an EPC URN
        "bizStep": "urn:epcglobal:cbv:bizstep:shipping",
        "readPoint": {"id": "urn:epc:id:sgln:8938534.00001.0"},
        "eventID": "urn:uuid:4a1e5b0c-1d55-4a8e-9a0b-0b1c2d3e4f50",  # ids are not hashed
        "recordTime": "2024-11-21T00:00:00Z",
    }
    assert event_hash(reordered) == event_hash(EVENT) == event_hash(other)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("eventTime", "2024-11-20T08:30:01+07:00"),
        ("bizStep", "receiving"),
        ("epcList", ["https://id.gs1.org/01/08938534000017/21/1002"]),
        ("readPoint", {"id": "https://id.gs1.org/414/8938534000024"}),
    ],
)
def test_any_change_changes_the_hash(field: str, value: Any) -> None:
    changed = copy.deepcopy(EVENT)
    changed[field] = value
    assert event_hash(changed) != event_hash(EVENT)


def test_extensions_count_by_namespace_not_prefix() -> None:
    one = {**EVENT, "hg:step": "harvest"}
    other = {**EVENT, "x:step": "harvest"}
    assert event_hash(one, {"hg": "https://tem.example/ns#"}) == event_hash(
        other, {"x": "https://tem.example/ns#"}
    )
    assert event_hash(one, {"hg": "https://tem.example/ns#"}) != event_hash(EVENT)


def test_pre_hash_string_shape() -> None:
    assert prehash(EVENT) == (
        "eventType=ObjectEvent"
        "eventTime=2024-11-20T01:30:00.000ZeventTimeZoneOffset=+07:00"
        "epcListepc=https://id.gs1.org/01/08938534000017/21/1001"
        "action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
        "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
        "readPointid=https://id.gs1.org/414/8938534000017"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("2023-01-18T11:04:03.1415Z", "2023-01-18T11:04:03.142Z"),
        ("2023-01-18T11:04:03.1414Z", "2023-01-18T11:04:03.141Z"),
        ("2023-12-31T23:59:59.9996+00:00", "2024-01-01T00:00:00.000Z"),  # the carry
        ("2024-11-20T08:30:00+07:00", "2024-11-20T01:30:00.000Z"),
        ("not a time", "not a time"),
    ],
)
def test_times_become_utc_milliseconds(given: str, expected: str) -> None:
    assert canonical_time(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("urn:epc:id:sgtin:8938534.000001.1001", "https://id.gs1.org/01/08938534000017/21/1001"),
        ("urn:epc:class:lgtin:8938534.000001.CS2411-01",
         "https://id.gs1.org/01/08938534000017/10/CS2411-01"),
        ("https://tem.hagiang.gov.vn/01/8938534000017/10/L1/21/7?8030=abc",
         "https://id.gs1.org/01/08938534000017/21/7"),
        ("urn:epc:id:sscc:8938534.0000000017", "https://id.gs1.org/00/089385340000000178"),
        ("urn:epc:id:sgln:8938534.00001.0", "https://id.gs1.org/414/8938534000017"),
        ("https://example.com/not/a/gs1/link", None),
        ("urn:epc:id:sgtin:893.000001.1", None),  # a company prefix has 6-12 digits
    ],
)  # fmt: skip
def test_identifiers_become_canonical_digital_links(given: str, expected: str | None) -> None:
    assert canonical_digital_link(given) == expected


def test_an_events_own_context_names_its_extensions() -> None:
    namespace = {"hg": "https://tem.example/ns#"}
    with_document_context = {**EVENT, "hg:step": "harvest"}
    self_describing = {**with_document_context, "@context": [namespace]}
    assert event_hash(self_describing) == event_hash(with_document_context, namespace)
