"""The links a GS1 Digital Link resolves to, as an RFC 9264 linkset (GS1-Conformant Resolver 1.2).

Each level of the identifier (the lot, then the GTIN) is an anchor of its own with its own
links and exactly one ``defaultLink`` carrying only ``href`` and ``title``. A request names a
link type (``linkType``); when several links of that type match the request equally well
(same media type and language), the resolver answers ``300 Multiple Choices`` rather than
pick one. Every linkset validates against GS1's linkset schema (tests/data/gs1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from litestar.datastructures import Accept

from traceability.registry.origin import OriginRecall, ProductOrigin
from traceability.resolver.digital_link import DigitalLink

GS1_VOC = "https://gs1.org/voc/"
# The GS1 Web vocabulary is written with any of these in the wild; all mean the same terms.
_VOC_PREFIXES = (
    "gs1:",
    "https://gs1.org/voc/",
    "https://ref.gs1.org/voc/",
    "https://www.gs1.org/voc/",
    "http://gs1.org/voc/",
    "http://ref.gs1.org/voc/",
    "http://www.gs1.org/voc/",
)
LINK_TYPES = (
    "pip",
    "traceability",
    "certificationInfo",
    "hasRetailers",
    "recallStatus",
    "verificationService",
    "defaultLink",
)
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
"""GS1's JSON-LD context that turns our linkset JSON into linked data (a link for clients)."""


@dataclass(frozen=True, slots=True)
class Link:
    link_type: str
    """Short GS1 link type, e.g. ``pip``."""
    href: str
    title: str
    media_type: str | None = "text/html"
    hreflang: tuple[str, ...] = ()

    def as_target(self) -> dict[str, Any]:
        target: dict[str, Any] = {"href": self.href, "title": self.title}
        if self.media_type is not None:
            target["type"] = self.media_type
        if self.hreflang:
            target["hreflang"] = list(self.hreflang)
        return target


@dataclass(frozen=True, slots=True)
class Anchor:
    """One identified entity (a lot, or the product) and its links."""

    link: DigitalLink
    description: str
    links: tuple[Link, ...]


def link_type_name(raw: str) -> str | None:
    """``gs1:pip``, ``pip`` or ``https://ref.gs1.org/voc/pip`` (encoded or not) → ``pip``."""
    raw = unquote(raw)
    for prefix in _VOC_PREFIXES:
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
            break
    return raw if raw in LINK_TYPES else None


def anchors_for(base: str, link: DigitalLink, origin: ProductOrigin) -> list[Anchor]:
    """The entities a Digital Link names, most specific first: its lot (if known), its GTIN."""
    name = origin.name_vi
    product_page = f"{base}/p{DigitalLink(link.gtin).path}"
    product_links = [
        Link("pip", product_page, f"{name}: nguồn gốc / origin", hreflang=("vi", "en")),
        Link("defaultLink", product_page, name, media_type=None),
    ]
    if origin.ocop_stars is not None or origin.certifications:
        product_links.append(
            Link(
                "certificationInfo",
                f"{product_page}#certifications",
                "OCOP and other certifications",
            )
        )
    product_links.extend(
        Link("hasRetailers", listing.url, listing.label or listing.platform)
        for listing in origin.listings
    )
    product_links.append(
        Link(
            "verificationService",
            f"{base}/api/v1/verify",
            "Verify smart stamps in bulk (API key); offline keys at /.well-known/jwks.json",
            media_type="application/json",
        )
    )
    anchors = [Anchor(DigitalLink(link.gtin), name, tuple(product_links))]
    if origin.lot is not None:
        lot_link = DigitalLink(link.gtin, origin.lot.code)
        lot_page = f"{base}/p{lot_link.path}"
        lot_links = (
            Link("pip", lot_page, f"{name}, lô {origin.lot.code}", hreflang=("vi", "en")),
            Link("defaultLink", lot_page, f"{name}, lô {origin.lot.code}", media_type=None),
            Link(
                "traceability",
                f"{base}/api/v1/lots/{origin.lot.id}/epcis",
                f"EPCIS 2.0 events of lot {origin.lot.code}",
                media_type="application/ld+json",
            ),
            _recall_status(lot_page, origin.lot.recall),
        )
        anchors.insert(0, Anchor(lot_link, f"{name}, lô {origin.lot.code}", lot_links))
    return anchors


def _recall_status(lot_page: str, recall: OriginRecall | None) -> Link:
    """The lot's page says whether it is recalled (and why, first thing, if it is)."""
    if recall is None:
        return Link("recallStatus", lot_page, "Không bị thu hồi / Not recalled")
    return Link("recallStatus", f"{lot_page}#recall", f"Đã thu hồi / Recalled: {recall.reason}")


def linkset(base: str, anchors: list[Anchor]) -> dict[str, Any]:
    items = []
    for anchor in anchors:
        relations: dict[str, Any] = {
            "anchor": base + anchor.link.path,
            "itemDescription": anchor.description,
        }
        for link in anchor.links:
            relations.setdefault(GS1_VOC + link.link_type, []).append(link.as_target())
        items.append(relations)
    return {"linkset": items}


def candidates(anchors: list[Anchor], name: str) -> list[Link]:
    """Links of one type at the most specific level that has any (walking up the tree)."""
    for anchor in anchors:
        found = [link for link in anchor.links if link.link_type == name]
        if found:
            return found
    return []


def best_matches(links: list[Link], accept: str | None, accept_language: str | None) -> list[Link]:
    """The links that fit the request best; more than one means the client must choose."""
    if len(links) < 2:
        return links
    scored = [(_score(link, accept, accept_language), link) for link in links]
    top = max(score for score, _ in scored)
    return [link for score, link in scored if score == top]


def _score(link: Link, accept: str | None, accept_language: str | None) -> int:
    score = 0
    if (
        accept
        and link.media_type
        and "*/*" not in accept
        and Accept(accept).best_match([link.media_type]) is not None
    ):
        score += 2
    if accept_language and link.hreflang:
        wanted = {part.split(";")[0].strip().lower()[:2] for part in accept_language.split(",")}
        if wanted & {lang.lower()[:2] for lang in link.hreflang}:
            score += 1
    return score
