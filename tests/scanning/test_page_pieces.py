"""The scan page from cached pieces is byte for byte the page, and its gzip decodes to it."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from traceability.scanning.page import scan_page, scan_page_bytes
from traceability.scanning.schemas import (
    Certificate,
    Cooperative,
    Listing,
    Lot,
    LotEvent,
    Origin,
    ScanAnswer,
)

COOP = Cooperative(1, "HTX Anh Tài", "Hà Giang", "Bắc Quang", "Vĩnh Hảo", None, "0912", None, None)
PRODUCT_ARGS = (1, "Cam sành <Hà Giang>", "King orange", "fruit", "893", "Cam Anh Tài", 4)
LOT = Lot(
    1,
    "L-1",
    date(2025, 1, 1),
    date(2025, 2, 1),
    Decimal(1000),
    "kg",
    "A1",
    "Area",
    "orange",
    [LotEvent("harvest", datetime(2025, 1, 1, tzinfo=UTC), "Asia/Ho_Chi_Minh", "Vĩnh Hảo", "HTX")],
)


def _origin(listings: int) -> Origin:
    from traceability.scanning.schemas import Product

    product = Product(
        *PRODUCT_ARGS,
        "CS-1",
        None,
        "VN-HG",
        "TCVN 1",
        "https://x/y.jpg",
        [Certificate("VietGAP", "1", "Sở", date(2024, 1, 1), None)],
        [Listing(i, "voso", None) for i in range(listings)],
    )
    return Origin(product, COOP)


@pytest.mark.parametrize(
    "verdict",
    ["genuine", "genuine_first", "suspicious", "not_activated", "revoked", "not_genuine"],
)
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("listings", [0, 2])
def test_pieces_match_the_page(verdict: str, lang: str, listings: int) -> None:
    genuine = verdict != "not_genuine"
    origin = _origin(listings) if genuine else None
    for serial, activated, reason, path in (
        (7, datetime(2025, 1, 2, tzinfo=UTC), "a<b" * 30_000, "/s/" + "1" * 177),
        (None, None, None, "/s/garbage"),
    ):
        answer = ScanAnswer(
            verdict=verdict,  # type: ignore[arg-type]
            serial=serial if genuine else None,
            activated_at=activated,
            scan_count=3,
            first_scan_at=datetime(2025, 1, 3, tzinfo=UTC),
            reason=reason,
            places=2,
            expired=True,
            lot=LOT if genuine else None,
            product=origin.product if origin else None,
        )
        expected = scan_page(
            answer, origin, lang=lang, path=path, authority_email="a@b.vn"
        ).encode()
        for _ in range(2):  # built, then from the cache
            plain = scan_page_bytes(answer, origin, lang=lang, path=path, authority_email="a@b.vn")
            packed = scan_page_bytes(
                answer, origin, lang=lang, path=path, authority_email="a@b.vn", gzip=True
            )
            assert plain == expected
            assert gzip.decompress(packed) == expected


def test_a_new_origin_object_is_not_served_from_an_old_template() -> None:
    answer = ScanAnswer(verdict="genuine", serial=1, scan_count=2)
    first = scan_page_bytes(answer, _origin(0), lang="vi", path="/s/1")
    second = scan_page_bytes(answer, _origin(2), lang="vi", path="/s/1")
    assert b"/buy/1" not in first
    assert b"/s/1/buy/1" in second
