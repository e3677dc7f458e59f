"""The links a GS1 Digital Link resolves to, as an RFC 9264 linkset.

GS1-Conformant Resolver 1.2: a linkset on ``Accept: application/linkset+json`` or
``?linkType=linkset``; a redirect to the requested link type (404 if there is none); a
redirect to the default link otherwise, with the query string passed on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from traceability.registry.origin import ProductOrigin
from traceability.resolver.digital_link import DigitalLink

GS1_VOC = "https://gs1.org/voc/"
LINK_TYPES = (
    "pip",
    "traceability",
    "certificationInfo",
    "hasRetailers",
    "verificationService",
    "defaultLink",
)


@dataclass(frozen=True, slots=True)
class Link:
    link_type: str
    """Short GS1 link type, e.g. ``pip``."""
    href: str
    title: str
    media_type: str = "text/html"
    hreflang: tuple[str, ...] = ()

    def as_target(self) -> dict[str, Any]:
        target: dict[str, Any] = {"href": self.href, "title": self.title, "type": self.media_type}
        if self.hreflang:
            target["hreflang"] = list(self.hreflang)
        return target


def link_type_name(raw: str) -> str | None:
    """``gs1:pip``, ``pip`` or ``https://gs1.org/voc/pip`` → ``pip``; None if not ours."""
    for prefix in ("gs1:", GS1_VOC):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
    return raw if raw in LINK_TYPES else None


def links_for(base: str, link: DigitalLink, origin: ProductOrigin) -> list[Link]:
    name = origin.name_vi
    passport = f"{base}/p{DigitalLink(link.gtin, link.lot if origin.lot else None).path}"
    links = [
        Link("pip", passport, f"{name}: nguồn gốc / origin", hreflang=("vi", "en")),
        Link("defaultLink", passport, name, hreflang=("vi", "en")),
    ]
    if origin.lot is not None:
        links.append(
            Link(
                "traceability",
                f"{base}/api/v1/lots/{origin.lot.id}/epcis",
                f"EPCIS 2.0 events of lot {origin.lot.code}",
                media_type="application/ld+json",
            )
        )
    if origin.ocop_stars is not None or origin.certifications:
        links.append(
            Link("certificationInfo", f"{passport}#certifications", "OCOP and other certifications")
        )
    links.extend(
        Link("hasRetailers", listing.url, listing.label or listing.platform)
        for listing in origin.listings
    )
    links.append(
        Link(
            "verificationService",
            f"{base}/api/v1/verify",
            "Verify smart stamps in bulk (API key); offline keys at /.well-known/jwks.json",
            media_type="application/json",
        )
    )
    return links


def linkset(anchor: str, links: list[Link]) -> dict[str, Any]:
    relations: dict[str, Any] = {"anchor": anchor}
    for link in links:
        relations.setdefault(GS1_VOC + link.link_type, []).append(link.as_target())
    return {"linkset": [relations]}
