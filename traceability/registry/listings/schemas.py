"""What the listing endpoints take and give."""

from __future__ import annotations

from typing import Literal

import msgspec

from traceability.inputs import Input
from traceability.registry.types import HttpsUrl, ShortText, check_https_url

Platform = Literal[
    "voso", "postmart", "sendo", "shopee", "lazada", "tiktok_shop", "tiki", "vnexpress_shop",
    "own_shop", "other",
]  # fmt: skip


class ListingCreate(Input):
    platform: Platform
    url: HttpsUrl
    label: ShortText | None = None
    """What the button says, e.g. "Mua trên Voso"."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_https_url(self.url)


class Listing(msgspec.Struct, frozen=True):
    id: int
    platform: str
    url: str
    label: str | None
