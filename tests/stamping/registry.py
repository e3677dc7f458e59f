"""Registry rows for stamp tests, written with SQL so these tests need no registry endpoints."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker
from traceability import clock
from traceability.registry.types import gs1_check_digit


def gtin(body13: str) -> str:
    """A GTIN-14 from its first 13 digits (the service's own check digit, not a copy)."""
    return body13 + str(gs1_check_digit(body13))


@dataclass(frozen=True)
class Registry:
    cooperative_id: int
    product_id: int
    lot_id: int
    other_lot_id: int
    listing_id: int
    coop: dict[str, str]
    """Auth headers of the cooperative's own key."""
    other_cooperative_id: int
    other_product_id: int
    other_coop: dict[str, str]
    retailer: dict[str, str]


async def insert_cooperative(
    db: asyncpg.Connection, name: str, tax: str, district: str, commune: str
) -> int:
    coop_id: int = await db.fetchval(
        "INSERT INTO cooperatives (name, tax_code, province, district, commune, address_line,"
        " latitude, longitude, phone, email) VALUES ($1, $2, 'Hà Giang', $3, $4, 'Thôn Khuổi Vài',"
        " 22.69, 104.87, '0219 3860 123', 'htx@example.vn') RETURNING id",
        name,
        tax,
        district,
        commune,
    )
    return coop_id


@pytest.fixture
async def registry(db: asyncpg.Connection, make_key: KeyMaker) -> Registry:
    coop = await insert_cooperative(db, "HTX Anh Tài", "5100123456", "Bắc Quang", "Vĩnh Hảo")
    other = await insert_cooperative(
        db, "HTX Chè Shan Tuyết Lũng Phìn", "5100654321", "Đồng Văn", "Lũng Phìn"
    )
    area = await db.fetchval(
        "INSERT INTO planting_areas (cooperative_id, code, name, crop, area_ha, latitude,"
        " longitude) VALUES ($1, 'VN-HG-BQ-VINHHAO-001-23', 'Đồi cam Khuổi Vài', 'cam sành',"
        " 12.5, 22.7, 104.9)"
        " RETURNING id",
        coop,
    )
    product = await db.fetchval(
        "INSERT INTO products (cooperative_id, name_vi, name_en, category, gtin, brand, ocop_stars,"
        " ocop_score, ocop_certificate_no, geographical_indication, applied_standards, image_url)"
        " VALUES ($1, 'Cam sành Hà Giang', 'Hà Giang king orange', 'fruit', $2, 'Cam Anh Tài', 4,"
        " 78, 'OCOP-HG-2023-017', 'Cam sành Hà Giang', 'VietGAP; TCVN 12828:2019',"
        " 'https://example.vn/cam.jpg') RETURNING id",
        coop,
        gtin("893860000001"[:13].ljust(13, "0")),
    )
    await db.execute(
        "INSERT INTO product_certifications (product_id, scheme, number, issuer, issued_on,"
        " expires_on) VALUES ($1, 'VietGAP', 'VG-0231', 'Sở NN&PTNT Hà Giang', '2023-03-01',"
        " '2026-03-01')",
        product,
    )
    other_product = await db.fetchval(
        "INSERT INTO products (cooperative_id, name_vi, category) VALUES ($1, 'Chè shan tuyết',"
        " 'tea') RETURNING id",
        other,
    )
    today = clock.today()
    lot = await db.fetchval(
        "INSERT INTO lots (product_id, planting_area_id, code, harvested_on, quantity, unit,"
        " expires_on) VALUES ($1, $2, 'CS-2024-11', $3, 1200, 'kg', $4) RETURNING id",
        product,
        area,
        today - timedelta(days=5),
        today + timedelta(days=40),
    )
    other_lot = await db.fetchval(
        "INSERT INTO lots (product_id, code, harvested_on, quantity, unit, expires_on)"
        " VALUES ($1, 'CS-2024-12', $2, 800, 'kg', $3) RETURNING id",
        product,
        today - timedelta(days=1),
        today + timedelta(days=50),
    )
    now = datetime.now(UTC)
    for kind, hours, place in (
        ("harvest", 120, "Vĩnh Hảo, Bắc Quang"),
        ("packing", 100, "Kho HTX Anh Tài"),
        ("shipping", 80, "Hà Giang → Hà Nội"),
    ):
        await db.execute(
            "INSERT INTO lot_events (lot_id, kind, occurred_at, place, actor)"
            " VALUES ($1, $2, $3, $4, 'HTX Anh Tài')",
            lot,
            kind,
            now - timedelta(hours=hours),
            place,
        )
    listing = await db.fetchval(
        "INSERT INTO marketplace_listings (product_id, platform, url, label, approved_at)"
        " VALUES ($1, 'voso', 'https://voso.vn/cam-sanh-ha-giang', 'Voso', now()) RETURNING id",
        product,
    )
    return Registry(
        cooperative_id=coop,
        product_id=product,
        lot_id=lot,
        other_lot_id=other_lot,
        listing_id=listing,
        coop=await make_key("cooperative", cooperative_id=coop),
        other_cooperative_id=other,
        other_product_id=other_product,
        other_coop=await make_key("cooperative", cooperative_id=other),
        retailer=await make_key("retailer"),
    )


async def order(
    client: AsyncTestClient[Any],
    headers: dict[str, str],
    product_id: int,
    quantity: int,
    **extra: Any,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": product_id, "quantity": quantity, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
