"""The scan page from cached pieces is byte for byte the page, and its gzip decodes to it."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import msgspec
import pytest

from traceability.registry.origin import (
    Certification,
    Listing,
    LotEvent,
    OriginCooperative,
    OriginLot,
    OriginPlantingArea,
    ProductOrigin,
)
from traceability.scanning.page import scan_page, scan_page_bytes
from traceability.scanning.schemas import ScanAnswer

HOSTILE = '"><img src=x onerror=alert(1)>&amp;\u202e'
COOP = OriginCooperative(
    1, "HTX Anh Tài " + HOSTILE, "Hà Giang", "Bắc Quang", "Vĩnh Hảo", None, "0912 345 678", None
)
EVENT_AT = datetime(2025, 1, 1, tzinfo=UTC)


def _origin(listings: int) -> ProductOrigin:
    return ProductOrigin(
        product_id=1,
        gtin="08938600000017",
        name_vi="Cam sành <Hà Giang>",
        name_en="King orange",
        category="fruit",
        image_url="https://x/y.jpg?a=1&b=" + HOSTILE,
        brand="Cam Anh Tài",
        description=None,
        ocop_stars=4,
        ocop_score=78,
        ocop_certificate_no="CS-1",
        ocop_issued_on=None,
        ocop_expires_on=None,
        geographical_indication="Cam sành Hà Giang",
        applied_standards="TCVN 1",
        cooperative=COOP,
        certifications=[Certification(1, 1, "VietGAP", "1", "Sở", date(2024, 1, 1), None)],
        listings=[Listing(i, "voso", "https://voso.vn/x", HOSTILE) for i in range(listings)],
        planting_area=OriginPlantingArea(1, "VN-HG-BQ-VH-001-24", "cam", HOSTILE),
        lot=OriginLot(1, "L-1", date(2025, 1, 1), date(2025, 2, 1), 1000.0, "kg"),
        timeline=[LotEvent(1, 1, "harvest", EVENT_AT, "UTC", EVENT_AT, HOSTILE, "HTX", None)],
    )


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
        (None, None, None, "/s/" + HOSTILE),
        (None, None, HOSTILE, "/s/12345"),
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
            origin=origin,
        )
        code = path[3:]
        expected = scan_page(answer, lang=lang, path=path, code=code, authority_phone="1900 1234")
        assert "<img src=x" not in expected
        assert "onerror=alert(1)>" not in expected
        for _ in range(2):  # built, then from the cache
            plain = scan_page_bytes(
                answer, lang=lang, path=path, code=code, authority_phone="1900 1234"
            )
            packed = scan_page_bytes(
                answer, lang=lang, path=path, code=code, authority_phone="1900 1234", gzip=True
            )
            assert plain == expected.encode()
            assert gzip.decompress(packed) == expected.encode()


def test_a_new_origin_object_is_not_served_from_an_old_template() -> None:
    first = scan_page_bytes(
        ScanAnswer(verdict="genuine", serial=1, scan_count=2, origin=_origin(0)),
        lang="vi",
        path="/s/1",
    )
    second = scan_page_bytes(
        ScanAnswer(verdict="genuine", serial=1, scan_count=2, origin=_origin(2)),
        lang="vi",
        path="/s/1",
    )
    assert b"/buy/1" not in first
    assert b"/s/1/buy/1" in second


def test_every_page_word_exists_in_both_languages() -> None:
    from traceability.scanning.text import TEXT

    assert set(TEXT["vi"]) == set(TEXT["en"])
    for lang, words in TEXT.items():
        for key, text in words.items():
            assert text.strip() == text, (lang, key)


def test_the_origin_round_trips_as_json() -> None:
    origin = _origin(1)
    decoded = msgspec.json.decode(msgspec.json.encode(origin), type=ProductOrigin)
    assert decoded == origin
