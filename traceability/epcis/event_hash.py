"""GS1's canonical EPCIS event hash: ``ni:///sha-256;<hex>?ver=CBV2.0`` (CBV 2.0 §8.9).

The same event gives the same id however it was written (JSON-LD or XML, keys in any
order, ``urn:epc`` or Digital Link identifiers, any time zone, ``1`` or ``1.0``), and any
change of its content gives another. We capture events under this id, so the same event
sent twice is stored once.

The *pre-hash string* is built as the standard says and as GS1's reference implementation
(github.com/RalphTro/epcis-event-hash-generator) computes it; its published test vectors
are in ``tests/data/epcis-event-hash/``:

1. ``eventType=<type>``, then the fields of ``PROPERTY_ORDER`` in that order, each as
   ``name=value`` (a field holding fields: its name, then its children in their order);
   repeated fields (``epc`` in ``epcList``, ``sensorReport``…) sorted as strings.
2. Then everything else, each rendered the same way and the strings sorted: the business
   transaction, source and destination lists (each entry ``type=…`` then its value),
   ``ilmd`` and user extensions (``{namespace}name``). Extensions inside ``readPoint``,
   ``bizLocation`` and the sensor fields come after that element's own fields.
3. Values are trimmed; times become UTC with milliseconds (``…T10:00:30.000Z``, the third
   decimal rounded from the fourth); numbers lose trailing zeros; CBV URNs, bare CBV words
   (``shipping``) and CURIEs (``gs1:Temperature``) become GS1 Web URIs; identifiers become
   constrained canonical Digital Links (``identifiers.py``).
4. Not hashed: ``eventID``, ``recordTime``, ``errorDeclaration``, comments
   (``rdfs:comment``) and JSON-LD's own ``@context``.

Where the reference's output depends on accidents of JSON key order or crashes (a business
transaction without a type), we take the reading the standard gives: ``type`` first, a
missing type left out. Booleans are written ``true``/``false``, as XML writes them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from traceability.epcis.identifiers import canonical_digital_link

ALGORITHM_VERSION = "CBV2.0"

# Prefixes the EPCIS 2.0 JSON-LD context defines; a document's own @context may add more.
STANDARD_PREFIXES = {
    "epcis": "https://ref.gs1.org/epcis/",
    "cbv": "https://ref.gs1.org/cbv/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
    "gs1": "https://gs1.org/voc/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcterms": "http://purl.org/dc/terms/",
}

_QUANTITY = (("epcClass", None), ("quantity", None), ("uom", None))
_SENSOR_METADATA = [
    "time",
    "startTime",
    "endTime",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
]
_SENSOR_REPORT = [
    "type",
    "exception",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "time",
    "microorganism",
    "chemicalSubstance",
    "value",
    "component",
    "stringValue",
    "booleanValue",
    "hexBinaryValue",
    "uriValue",
    "minValue",
    "maxValue",
    "meanValue",
    "sDev",
    "percRank",
    "percValue",
    "uom",
    "coordinateReferenceSystem",
]
Order = tuple[tuple[str, "Order | None"], ...]
_SENSOR_ELEMENT: Order = (
    ("sensorMetadata", tuple((name, None) for name in _SENSOR_METADATA)),
    ("sensorReport", tuple((name, None) for name in _SENSOR_REPORT)),
)
PROPERTY_ORDER: Order = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", (("epc", None),)),
    ("inputEPCList", (("epc", None),)),
    ("childEPCs", (("epc", None),)),
    ("quantityList", (("quantityElement", _QUANTITY),)),
    ("childQuantityList", (("quantityElement", _QUANTITY),)),
    ("inputQuantityList", (("quantityElement", _QUANTITY),)),
    ("outputEPCList", (("epc", None),)),
    ("outputQuantityList", (("quantityElement", _QUANTITY),)),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    ("sensorElementList", (("sensorElement", _SENSOR_ELEMENT),)),
)
"""CBV 2.0's canonical property order; a nested order applies to a field's children."""

NOT_HASHED = frozenset({"eventID", "recordTime", "errorDeclaration", "type", "@context"})
COMMENTS = frozenset({"rdfs:comment", "comment"})
PAIR_LISTS = {"bizTransactionList": "bizTransaction", "sourceList": "source",
              "destinationList": "destination"}  # fmt: skip
LIST_ITEMS = {"epcList": "epc", "inputEPCList": "epc", "outputEPCList": "epc",
              "childEPCs": "epc", "quantityList": "quantityElement",
              "childQuantityList": "quantityElement", "inputQuantityList": "quantityElement",
              "outputQuantityList": "quantityElement"}  # fmt: skip

# Bare CBV words in JSON: their Web URI, by the field they stand in.
_CBV = "https://ref.gs1.org/cbv/"
_VOCABULARY = {
    "bizStep": _CBV + "BizStep-",
    "disposition": _CBV + "Disp-",
    "set": _CBV + "Disp-",
    "unset": _CBV + "Disp-",
    "bizTransactionList": _CBV + "BTT-",
    "sourceList": _CBV + "SDT-",
    "destinationList": _CBV + "SDT-",
    "sensorReport.type": "https://gs1.org/voc/",
    "sensorReport.exception": "https://gs1.org/voc/",
    "sensorReport.component": _CBV + "Comp-",
}
_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_URN_VOCABULARY = (
    ("urn:epcglobal:cbv:bizstep:", _CBV + "BizStep-"),
    ("urn:epcglobal:cbv:disp:", _CBV + "Disp-"),
    ("urn:epcglobal:cbv:btt:", _CBV + "BTT-"),
    ("urn:epcglobal:cbv:sdt:", _CBV + "SDT-"),
    ("urn:epcglobal:cbv:er:", _CBV + "ER-"),
)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_TIME = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})", re.IGNORECASE
)


@dataclass(slots=True)
class Node:
    """One element of an event in the XML-like model both syntaxes reduce to."""

    name: str
    value: str = ""
    children: list[Node] = field(default_factory=list)
    pair: tuple[str, str] | None = None
    """A business transaction, source or destination: (type, value) rendered as one."""


def document_prefixes(document: Mapping[str, Any]) -> dict[str, str]:
    """The CURIE prefixes in force: the EPCIS context's and those the document declares."""
    prefixes = dict(STANDARD_PREFIXES)
    contexts = document.get("@context", [])
    for context in contexts if isinstance(contexts, list) else [contexts]:
        if isinstance(context, dict):
            prefixes.update({k: v for k, v in context.items() if isinstance(v, str)})
    return prefixes


@dataclass(frozen=True, slots=True)
class _Names:
    prefixes: Mapping[str, str]

    def key(self, key: str) -> str:
        prefix, colon, local = key.partition(":")
        if colon and prefix in self.prefixes:
            return "{" + self.prefixes[prefix] + "}" + local
        return key

    def value(self, value: str) -> str:
        prefix, colon, local = value.partition(":")
        if colon and prefix in self.prefixes:
            return self.prefixes[prefix] + local
        return value


def _scalar(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return "" if value is None else str(value)


def _vocabulary(where: str, text: str) -> str:
    base = _VOCABULARY.get(where)
    if base is not None and _BARE_WORD.fullmatch(text):
        return base + text
    return text


def _nodes(obj: Mapping[str, Any], names: _Names, parent: str) -> list[Node]:
    found: list[Node] = []
    for key, value in obj.items():
        if key in COMMENTS or (parent == "" and key in NOT_HASHED) or key == "@context":
            continue
        name = names.key(key)
        if key in PAIR_LISTS:
            found.append(Node(name, children=_pairs(key, value, names)))
        elif isinstance(value, list):
            found.extend(_listed(key, name, value, names, parent))
        else:
            found.append(_node(name, key, value, names, parent))
    return found


def _listed(key: str, name: str, items: list[Any], names: _Names, parent: str) -> list[Node]:
    item_name = LIST_ITEMS.get(key)
    if item_name is None and name.endswith("List"):
        item_name = name[:-4]
    children = [_node(item_name or name, key, item, names, parent) for item in items]
    if item_name is None:
        return children  # a repeated field: sensorReport, set, an extension's values
    return [Node(name, children=children)]


def _node(name: str, key: str, value: Any, names: _Names, parent: str) -> Node:
    if isinstance(value, dict):
        return Node(name, children=_nodes(value, names, key))
    if isinstance(value, list):
        return Node(name, children=[_node(name, key, v, names, parent) for v in value])
    text = names.value(_scalar(value).strip())
    where = f"{parent}.{key}" if parent == "sensorReport" else key
    return Node(name, _vocabulary(where, text))


def _pairs(key: str, entries: Any, names: _Names) -> list[Node]:
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        kind = names.value(_scalar(entry.get("type")).strip())
        value = names.value(_scalar(entry.get(PAIR_LISTS[key])).strip())
        found.append(Node(PAIR_LISTS[key], pair=(_vocabulary(key, kind), value)))
    return found


# --- values ------------------------------------------------------------------------------


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 time with its offset (any number of decimals, to the microsecond)."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    whole, fraction, zone = match.groups()
    try:
        moment = datetime.fromisoformat(whole + ("+00:00" if zone.upper() == "Z" else zone))
    except ValueError:
        return None
    return moment + timedelta(microseconds=int((fraction or "0")[:6].ljust(6, "0")))


def canonical_time(text: str) -> str:
    """UTC with milliseconds; the third decimal rounded up when the fourth is 5–9."""
    match = _TIME.fullmatch(text)
    moment = parse_time(text)
    if match is None or moment is None:
        return text
    digits = (match.group(2) or "").ljust(4, "0")
    moment = moment.replace(microsecond=0) + timedelta(
        milliseconds=int(digits[:3]) + (1 if digits[3] >= "5" else 0)
    )
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def canonical_number(text: str) -> str:
    if not _NUMBER.fullmatch(text):
        return text
    number = float(text)
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return str(int(number)) if number == int(number) else str(number)


def canonical_value(text: str) -> str:
    for urn, uri in _URN_VOCABULARY:
        text = text.replace(urn, uri)
    text = canonical_number(text)
    return canonical_digital_link(text) or text


def _is_time(name: str) -> bool:
    lowered = name.lower()
    return "time" in lowered and "offset" not in lowered


# --- the pre-hash string -----------------------------------------------------------------


def _is_extension(node: Node) -> bool:
    return "{" in node.name and "/}" in node.name


def _in_order(nodes: list[Node], order: Order, nested: bool) -> str:
    """The fields of ``order`` found in ``nodes``, consuming those fully rendered."""
    extensions: list[Node] = []
    if nested and len(nodes) > 1:
        extensions = [n for n in nodes if _is_extension(n)]
        nodes[:] = [n for n in nodes if not _is_extension(n)]
    out = ""
    for name, sub_order in order:
        rendered = []
        for node in [n for n in nodes if n.name == name]:
            text = _element(node, sub_order)
            if text:
                rendered.append(text)
            if not node.children:
                nodes.remove(node)
        out += "".join(sorted(rendered))
    return out + _remainder(extensions)


def _element(node: Node, sub_order: Order | None) -> str:
    inner = _in_order(node.children, sub_order, nested=True) if sub_order else ""
    text = ""
    if node.value:
        value = canonical_time(node.value) if _is_time(node.name) else canonical_value(node.value)
        text = "=" + value if value else ""
    return node.name + text + inner if text or inner else ""


def _remainder(nodes: list[Node]) -> str:
    parts = []
    for node in nodes:
        if node.pair is not None:
            kind, value = node.pair
            entry = f"type={canonical_value(kind)}" if kind else ""
            parts.append(entry + f"{node.name}={canonical_value(value)}")
        else:
            value = f"={canonical_value(node.value)}" if node.value else ""
            parts.append(node.name + value + _remainder(node.children))
    return "".join(sorted(parts))


def prehash(event: Mapping[str, Any], prefixes: Mapping[str, str] = STANDARD_PREFIXES) -> str:
    """The canonical pre-hash string of one event (a JSON-LD event object).

    An event may carry its own ``@context`` (EPCIS 2.0 allows it); its prefixes apply
    within the event, over the document's.
    """
    if "@context" in event:
        prefixes = {**prefixes, **document_prefixes({"@context": event["@context"]})}
    nodes = _nodes(event, _Names(prefixes), "")
    return (
        f"eventType={event.get('type', '')}"
        + _in_order(nodes, PROPERTY_ORDER, False)
        + (_remainder(nodes))
    )


def event_hash(event: Mapping[str, Any], prefixes: Mapping[str, str] = STANDARD_PREFIXES) -> str:
    """``ni:///sha-256;<hex>?ver=CBV2.0`` for one event."""
    digest = hashlib.sha256(prehash(event, prefixes).encode("utf-8")).hexdigest()
    return f"ni:///sha-256;{digest}?ver={ALGORITHM_VERSION}"
