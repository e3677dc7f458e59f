"""What the listing endpoints take and give, and where each platform's listings may point.

A consumer who taps "buy again" on a scan page trusts the stamp: the link must lead to the
platform it names. Each marketplace's listings must be on that marketplace's own hosts
(``PLATFORM_HOSTS``, the host itself or a subdomain of it). A cooperative's own shop, or any
other site, cannot be checked that way: such a listing waits for the authority's approval
before a scan page shows it or ``/buy/N`` leads there.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from traceability.inputs import Input
from traceability.registry.types import HttpsUrl, ShortText, check_https_url

Platform = Literal[
    "voso", "postmart", "sendo", "shopee", "lazada", "tiktok_shop", "tiki", "vnexpress_shop",
    "own_shop", "other",
]  # fmt: skip

PLATFORM_HOSTS: dict[str, tuple[str, ...]] = {
    "voso": ("voso.vn",),
    "postmart": ("postmart.vn",),
    "sendo": ("sendo.vn",),
    "shopee": ("shopee.vn",),
    "lazada": ("lazada.vn",),
    "tiktok_shop": ("tiktok.com",),
    "tiki": ("tiki.vn",),
    "vnexpress_shop": ("shop.vnexpress.net",),
}
"""The hosts (and their subdomains) a marketplace's listings may point to."""

NEEDS_APPROVAL = frozenset({"own_shop", "other"})


def on_platform_hosts(platform: str, url: str) -> bool:
    hosts = PLATFORM_HOSTS.get(platform)
    if hosts is None:
        return False
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)


class ListingCreate(Input):
    platform: Platform
    url: HttpsUrl
    label: ShortText | None = None
    """What the button says, e.g. "Mua trên Voso"."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_https_url(self.url)
        if self.platform not in NEEDS_APPROVAL and not on_platform_hosts(self.platform, self.url):
            allowed = ", ".join(PLATFORM_HOSTS[self.platform])
            raise ValueError(
                f"A {self.platform} listing must be on {allowed} (or its subdomains); "
                "for another site use platform own_shop or other, which the authority approves"
            )


class Listing(msgspec.Struct, frozen=True):
    id: int
    platform: str
    url: str
    label: str | None
    approved_at: datetime | None = None
    """When a scan page started showing it (at once on a marketplace's own hosts; for
    own_shop and other, when the authority approved it). None: waiting for approval."""
