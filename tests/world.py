"""The one way tests build a world: tenants and their records, through the service layer.

Every record goes through the same service functions the API and the portal call, after the
same msgspec validation as a request body, so a test can never hold data the service would
refuse (and every write is audited, as in production). Defaults are the world most tests
read: "HTX Anh Tài" with "Cam sành Hà Giang", its lot 'CS-2024-11' with three events and an
approved Voso listing (the ``registry`` fixture); pass keywords to change any field.

Fixtures: ``registry`` (that world, a second cooperative and keys), ``world`` (two tenants
side by side), ``demo`` (the demo's three cooperatives). One more tenant is one call:
``tenant(db, make_key, n)`` (cooperative ``n`` with one of each record, its own tax code,
GTIN, planting area and lot codes), or ``cooperative(db, "HTX …")`` and the builders below;
``chain`` and ``store`` for supermarkets. Write rows with SQL only for what no service call
would produce (a corrupt row, a state reached by thousands of scans) and say so beside it.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from traceability import clock
from traceability.accounts.repository import SYSTEM, Principal
from traceability.chains import service as chains
from traceability.chains.schemas import ChainCreate, StoreCreate
from traceability.demo import DemoRegistry, seed_registry
from traceability.registry.cooperatives import service as cooperatives
from traceability.registry.cooperatives.schemas import CooperativeCreate
from traceability.registry.listings import service as listings
from traceability.registry.listings.schemas import ListingCreate
from traceability.registry.lots import service as lots
from traceability.registry.lots.schemas import LotCreate, LotEventCreate
from traceability.registry.planting_areas import service as areas
from traceability.registry.planting_areas.schemas import PlantingAreaCreate
from traceability.registry.products import service as products
from traceability.registry.products.schemas import CertificationCreate, ProductCreate
from traceability.registry.types import gs1_check_digit

if TYPE_CHECKING:  # tests.conftest builds its keys' chains here
    from tests.conftest import KeyMaker

Headers = dict[str, str]
S = TypeVar("S", bound=msgspec.Struct)

AUTHORITY = SYSTEM
"""Who onboards cooperatives in a test world (the authority, as the CLI and demo do)."""


def gtin(body13: str) -> str:
    """A GTIN-14 from its first 13 digits (the service's own check digit, not a copy)."""
    return body13 + str(gs1_check_digit(body13))


def gtin13(n: int) -> str:
    """A valid GTIN-13 with Vietnam's 893 prefix, one per ``n``."""
    body = f"893{n:09d}"
    return body + str(gs1_check_digit(body))


def staff_of(cooperative_id: int) -> Principal:
    """The cooperative acting on its own records (as its key or signed-in staff would)."""
    return Principal(
        key_id=None, name="test world", role="cooperative", cooperative_id=cooperative_id
    )


def _valid(kind: type[S], fields: dict[str, Any]) -> S:
    # The same validation as a request body: constraints, normalisation, cross-field rules.
    return msgspec.convert(fields, kind)


def tax_code(name: str) -> str:
    """A tax code of its own for each cooperative's name (stable across runs, unlike hash())."""
    return f"{zlib.crc32(name.encode()):010d}"


async def cooperative(db: asyncpg.Connection, name: str = "HTX Anh Tài", **fields: Any) -> int:
    """A cooperative onboarded by the authority; another ``name`` is another tenant."""
    data = {
        "name": name,
        "tax_code": tax_code(name),
        "province": "Hà Giang",
        "district": "Bắc Quang",
        "commune": "Vĩnh Hảo",
        "address_line": "Thôn Khuổi Vài",
        "latitude": 22.69,
        "longitude": 104.87,
        "phone": "0219 3860 123",
        "email": "htx@example.vn",
        **fields,
    }
    created = await cooperatives.create(db, AUTHORITY, _valid(CooperativeCreate, data))
    return created.id


async def planting_area(db: asyncpg.Connection, cooperative_id: int, **fields: Any) -> int:
    data = {
        "code": "VN-HG-BQ-VINHHAO-001-23",
        "name": "Đồi cam Khuổi Vài",
        "crop": "cam sành",
        "area_ha": 12.5,
        "latitude": 22.7,
        "longitude": 104.9,
        **fields,
    }
    created = await areas.create_area(
        db, staff_of(cooperative_id), _valid(PlantingAreaCreate, data)
    )
    return created.id


FLAGSHIP: dict[str, Any] = {
    "name_vi": "Cam sành Hà Giang",
    "name_en": "Hà Giang king orange",
    "category": "fruit",
    "gtin": gtin("8938600000010"),
    "brand": "Cam Anh Tài",
    "ocop_stars": 4,
    "ocop_score": 78,
    "ocop_certificate_no": "OCOP-HG-2023-017",
    "geographical_indication": "Cam sành Hà Giang",
    "applied_standards": "VietGAP; TCVN 12828:2019",
    "image_url": "https://example.vn/cam.jpg",
}
"""The default product: every field a scan page shows."""


async def product(db: asyncpg.Connection, cooperative_id: int, **fields: Any) -> int:
    """A product; with no fields, the flagship ``FLAGSHIP`` (pass ``name_vi`` and ``category``
    for a bare one)."""
    data = fields if "name_vi" in fields else {**FLAGSHIP, **fields}
    created = await products.create_product(
        db, staff_of(cooperative_id), _valid(ProductCreate, data)
    )
    return created.id


async def certification(
    db: asyncpg.Connection, cooperative_id: int, product_id: int, **fields: Any
) -> int:
    data = {
        "scheme": "VietGAP",
        "number": "VG-0231",
        "issuer": "Sở NN&PTNT Hà Giang",
        "issued_on": "2023-03-01",
        "expires_on": "2026-03-01",
        **fields,
    }
    created = await products.add_certification(
        db, staff_of(cooperative_id), product_id, _valid(CertificationCreate, data)
    )
    return created.id


async def lot(db: asyncpg.Connection, cooperative_id: int, product_id: int, **fields: Any) -> int:
    """A lot harvested five days ago (Việt Nam's day) that keeps 40 more days."""
    today = clock.today()
    data = {
        "product_id": product_id,
        "code": "CS-2024-11",
        "harvested_on": today - timedelta(days=5),
        "quantity": 1200,
        "unit": "kg",
        "expires_on": today + timedelta(days=40),
        **fields,
    }
    created = await lots.create_lot(db, staff_of(cooperative_id), _valid(LotCreate, data))
    return created.id


async def lot_event(
    db: asyncpg.Connection,
    cooperative_id: int,
    lot_id: int,
    kind: str,
    occurred_at: datetime,
    place: str,
    actor: str = "HTX Anh Tài",
    **fields: Any,
) -> int:
    data = {"kind": kind, "occurred_at": occurred_at, "place": place, "actor": actor, **fields}
    created = await lots.record_event(
        db, staff_of(cooperative_id), lot_id, _valid(LotEventCreate, data)
    )
    return created.id


JOURNEY = (
    ("harvest", 120, "Vĩnh Hảo, Bắc Quang"),
    ("packing", 100, "Kho HTX Anh Tài"),
    ("shipping", 80, "Hà Giang → Hà Nội"),
)
"""The default lot's events: kind, hours ago, place."""


async def listing(
    db: asyncpg.Connection,
    cooperative_id: int,
    product_id: int,
    platform: str = "voso",
    url: str = "https://voso.vn/cam-sanh-ha-giang",
    label: str | None = "Voso",
) -> int:
    """A listing; one on a marketplace's own hosts is approved at once, others wait for the
    authority (``approve_listing``)."""
    data = {"platform": platform, "url": url, "label": label}
    created = await listings.add_listing(
        db, staff_of(cooperative_id), product_id, _valid(ListingCreate, data)
    )
    return created.id


async def approve_listing(db: asyncpg.Connection, product_id: int, listing_id: int) -> None:
    await listings.approve_listing(db, AUTHORITY, product_id, listing_id)


async def chain(db: asyncpg.Connection, name: str = "Siêu thị Bốn Mùa", **fields: Any) -> int:
    """A supermarket chain onboarded by the authority (with no stores yet)."""
    data = {
        "name": name,
        "tax_code": tax_code(name),
        "province": "Hà Nội",
        "commune": "Phường Cầu Giấy",
        **fields,
    }
    created = await chains.create(db, AUTHORITY, _valid(ChainCreate, data))
    return created.id


async def store(db: asyncpg.Connection, chain_id: int, **fields: Any) -> int:
    data = {
        "name": "Bốn Mùa Cầu Giấy",
        "province": "Hà Nội",
        "commune": "Phường Cầu Giấy",
        "latitude": 21.0362,
        "longitude": 105.7906,
        **fields,
    }
    created = await chains.add_store(db, AUTHORITY, chain_id, _valid(StoreCreate, data))
    return created.id


@dataclass(frozen=True)
class Registry:
    """The world most tests read: the flagship cooperative and a second one, with keys."""

    cooperative_id: int
    product_id: int
    lot_id: int
    other_lot_id: int
    listing_id: int
    coop: Headers
    """Auth headers of the cooperative's own key."""
    other_cooperative_id: int
    other_product_id: int
    other_coop: Headers
    retailer: Headers


@pytest.fixture
async def registry(db: asyncpg.Connection, make_key: KeyMaker) -> Registry:
    coop = await cooperative(db)
    other = await cooperative(
        db,
        name="HTX Chè Shan Tuyết Lũng Phìn",
        district="Đồng Văn",
        commune="Lũng Phìn",
    )
    area = await planting_area(db, coop)
    flagship = await product(db, coop)
    await certification(db, coop, flagship)
    other_product = await product(db, other, name_vi="Chè shan tuyết", category="tea")
    today = clock.today()
    main_lot = await lot(db, coop, flagship, planting_area_id=area)
    other_lot = await lot(
        db,
        coop,
        flagship,
        code="CS-2024-12",
        harvested_on=today - timedelta(days=1),
        quantity=800,
        expires_on=today + timedelta(days=50),
    )
    now = datetime.now(UTC)
    for kind, hours, place in JOURNEY:
        await lot_event(db, coop, main_lot, kind, now - timedelta(hours=hours), place)
    voso = await listing(db, coop, flagship)
    return Registry(
        cooperative_id=coop,
        product_id=flagship,
        lot_id=main_lot,
        other_lot_id=other_lot,
        listing_id=voso,
        coop=await make_key("cooperative", cooperative_id=coop),
        other_cooperative_id=other,
        other_product_id=other_product,
        other_coop=await make_key("cooperative", cooperative_id=other),
        retailer=await make_key("retailer"),
    )


@dataclass(frozen=True)
class Tenant:
    """Cooperative ``n`` with a key and one of each of its records."""

    cooperative_id: int
    key: Headers
    area_id: int
    product_id: int
    lot_id: int
    event_id: int
    certification_id: int
    listing_id: int


async def tenant(db: asyncpg.Connection, make_key: KeyMaker, n: int) -> Tenant:
    """One more cooperative, distinct from every other ``n`` (isolation tests)."""
    coop = await cooperative(
        db,
        f"Hợp tác xã Nông nghiệp Số {n}",
        tax_code=f"51002807{n:02d}",
        province="Tuyên Quang",
        address_line=None,
        latitude=None,
        longitude=None,
        phone=None,
        email=None,
    )
    area = await planting_area(
        db, coop, code=f"VN-HG-BQ-VH-00{n}-24", name=None, latitude=None, longitude=None
    )
    made = await product(db, coop, name_vi="Cam sành Hà Giang", category="fruit", gtin=gtin13(n))
    harvested = date(2024, 11, 20)
    made_lot = await lot(
        db, coop, made, planting_area_id=area, code=f"CS24-{n}", harvested_on=harvested,
        quantity=1500, expires_on=None,
    )  # fmt: skip
    event = await lot_event(
        db, coop, made_lot, "harvest", datetime.fromisoformat("2024-11-20T07:30:00+07:00"),
        "Vĩnh Hảo", actor="Tổ thu hái số 1",
    )  # fmt: skip
    cert = await certification(
        db, coop, made, number=None, issuer=None, issued_on="2023-05-01", expires_on="2026-05-01"
    )
    sold = await listing(db, coop, made, url=f"https://voso.vn/cam-sanh-{n}", label=None)
    key: Headers = await make_key("cooperative", cooperative_id=coop)
    return Tenant(coop, key, area, made, made_lot, event, cert, sold)


@dataclass(frozen=True)
class World:
    """Two tenants side by side (a's key must never reach b's records), the authority's key
    and a retailer's."""

    authority: Headers
    retailer: Headers
    a: Tenant
    b: Tenant


@pytest.fixture
async def world(db: asyncpg.Connection, make_key: KeyMaker, authority: Headers) -> World:
    a = await tenant(db, make_key, 1)
    b = await tenant(db, make_key, 2)
    retailer: Headers = await make_key("retailer")
    return World(authority, retailer, a, b)


@pytest.fixture
async def demo(db: asyncpg.Connection) -> DemoRegistry:
    """The demo's three cooperatives, each with its flagship product, lot and timeline (the
    seed is made of the same service calls): for tests of GS1 resolution, EPCIS and reports
    over the records a person opening the demo sees."""
    return await seed_registry(db)


async def order(
    client: AsyncTestClient[Any],
    headers: Headers,
    product_id: int,
    quantity: int,
    **extra: Any,
) -> dict[str, Any]:
    """Order stamps through the API, as the cooperative would (201 or the test fails)."""
    response = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": product_id, "quantity": quantity, **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
