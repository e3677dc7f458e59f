"""The demo data set: realistic Hà Giang cooperatives, products, lots and stamps.

Idempotent: every record is looked up by its natural key first (tax code, planting-area
code, GTIN, lot code), so running the demo twice creates nothing new. Each part of the data
set is its own function; ``seed`` runs them in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import asyncpg
import msgspec

from traceability import clock
from traceability.accounts.demo import seed_people
from traceability.accounts.repository import SYSTEM
from traceability.deliveries.demo import seed_delivery
from traceability.registry.cooperatives import repository as cooperatives
from traceability.registry.cooperatives import service as cooperative_service
from traceability.registry.cooperatives.schemas import CooperativeCreate
from traceability.registry.listings import service as listing_service
from traceability.registry.listings.schemas import ListingCreate
from traceability.registry.lots import repository as lots
from traceability.registry.lots import service as lot_service
from traceability.registry.lots.schemas import LotCreate, LotEventCreate
from traceability.registry.planting_areas import repository as areas
from traceability.registry.planting_areas import service as area_service
from traceability.registry.planting_areas.schemas import PlantingAreaCreate
from traceability.registry.products import repository as products
from traceability.registry.products import service as product_service
from traceability.registry.products.schemas import CertificationCreate, ProductCreate
from traceability.settings import Settings
from traceability.signing import load_stamp_keys
from traceability.stamping.repository import batch_key_ids

S = TypeVar("S", bound=msgspec.Struct)

DEMO_HOTLINE = "0219 000 0000"
"""The demo's authority hotline (not a real number): consumer pages show it."""


@dataclass(frozen=True, slots=True)
class DemoRegistry:
    """Ids of the demo records, by the slugs below (``cam_sanh``, ``che_shan_tuyet``, …)."""

    cooperatives: dict[str, int] = field(default_factory=dict)
    products: dict[str, int] = field(default_factory=dict)
    lots: dict[str, int] = field(default_factory=dict)
    """The demo lot of each product, under the product's slug."""
    planting_areas: dict[str, int] = field(default_factory=dict)


# One flagship product per cooperative: cam sành, chè shan tuyết, mật ong bạc hà.
DEMO: list[dict[str, Any]] = [
    {
        "slug": "cam_sanh",
        "cooperative": {
            "name": "Hợp tác xã Anh Tài",
            "tax_code": "5100311784",
            "district": "Bắc Quang",
            "commune": "Vĩnh Hảo",
            "address_line": "Thôn Khuổi Le",
            "latitude": 22.4525,
            "longitude": 104.8613,
            "contact_name": "Nguyễn Văn Tài",
            "phone": "+84 912 345 671",
            "email": "htxanhtai@gmail.com",
        },
        "area": {
            "code": "VN-HG-BQ-VH-001-24",
            "name": "Đồi cam Khuổi Le",
            "crop": "cam sành",
            "area_ha": 35.5,
            "latitude": 22.4561,
            "longitude": 104.8577,
        },
        "product": {
            "name_vi": "Cam sành Hà Giang",
            "name_en": "Ha Giang king orange",
            "category": "fruit",
            "gtin": "8938534000017",
            "brand": "Cam sành Anh Tài",
            "ocop_stars": 4,
            "ocop_score": 78,
            "ocop_certificate_no": "61/QĐ-UBND-2023",
            "ocop_issued_on": "2023-03-15",
            "geographical_indication": "Cam sành Hà Giang (chỉ dẫn địa lý số 00045, 2016)",
            "applied_standards": "VietGAP; TCVN 11346:2016",
            "description": "Cam sành trồng trên đồi đất đỏ Bắc Quang, vỏ xanh, múi mọng, vị ngọt "
            "đậm, thu hoạch từ tháng 11 đến tháng 1.",
            "image_url": "https://tem.hagiang.gov.vn/img/cam-sanh-anh-tai.jpg",
        },
        "certifications": [
            {
                "scheme": "VietGAP",
                "number": "VietGAP-TT-19-01-02-0123",
                "issuer": "Trung tâm Chứng nhận Phù hợp Quacert",
                "issued_on": "2023-09-01",
                "expires_on": "2026-09-01",
            }
        ],
        "lot": {"code": "CS2411-01", "harvested_on": "2024-11-20", "quantity": 3000,
                "unit": "kg", "expires_on": "2024-12-20"},
        "timeline": [
            ("harvest", "2024-11-20T07:00:00+07:00", "Đồi cam Khuổi Le, xã Vĩnh Hảo",
             "Tổ thu hái HTX Anh Tài"),
            ("processing", "2024-11-20T14:00:00+07:00", "Xưởng sơ chế HTX Anh Tài",
             "Tổ phân loại"),
            ("packing", "2024-11-21T08:00:00+07:00", "Xưởng sơ chế HTX Anh Tài",
             "Tổ đóng gói"),
            ("shipping", "2024-11-21T16:00:00+07:00", "Vĩnh Hảo → Hà Nội",
             "Bưu điện tỉnh Hà Giang"),
        ],
        "listings": [
            ("voso", "https://voso.vn/cam-sanh-ha-giang-htx-anh-tai", "Mua trên Voso"),
            ("postmart", "https://postmart.vn/cam-sanh-ha-giang-anh-tai", "Mua trên Postmart"),
        ],
    },
    {
        "slug": "che_shan_tuyet",
        "cooperative": {
            "name": "Hợp tác xã Chè Shan tuyết Nậm Ty",
            "tax_code": "5100427215",
            "district": "Hoàng Su Phì",
            "commune": "Nậm Ty",
            "address_line": "Thôn Tân Minh",
            "latitude": 22.6919,
            "longitude": 104.6347,
            "contact_name": "Hoàng Văn Thượng",
            "phone": "+84 915 204 318",
        },
        "area": {
            "code": "VN-HG-HSP-NT-002-23",
            "name": "Vùng chè cổ thụ Nậm Ty",
            "crop": "chè shan tuyết",
            "area_ha": 58.2,
            "latitude": 22.6957,
            "longitude": 104.6402,
        },
        "product": {
            "name_vi": "Chè Shan tuyết Hoàng Su Phì",
            "name_en": "Hoang Su Phi snow shan tea",
            "category": "tea",
            "gtin": "8938534000116",
            "brand": "Trà Nậm Ty",
            "ocop_stars": 4,
            "ocop_score": 82,
            "ocop_certificate_no": "1782/QĐ-UBND-2022",
            "ocop_issued_on": "2022-09-28",
            "applied_standards": "TCVN 11041-2:2017 (hữu cơ)",
            "description": "Búp chè từ cây chè Shan tuyết cổ thụ trên 100 năm tuổi, hái thủ công, "
            "sao sấy trong ngày.",
            "image_url": "https://tem.hagiang.gov.vn/img/che-shan-tuyet-nam-ty.jpg",
        },
        "certifications": [
            {
                "scheme": "Hữu cơ TCVN 11041",
                "number": "HC-2023-0457",
                "issuer": "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1",
                "issued_on": "2023-06-12",
                "expires_on": "2026-06-12",
            }
        ],
        "lot": {"code": "ST2404-01", "harvested_on": "2024-04-10", "quantity": 250,
                "unit": "kg", "expires_on": "2026-04-10"},
        "timeline": [
            ("harvest", "2024-04-10T06:30:00+07:00", "Vùng chè cổ thụ Nậm Ty",
             "Hộ ông Lý Văn Chiến"),
            ("processing", "2024-04-10T15:00:00+07:00", "Xưởng chế biến HTX Nậm Ty",
             "Tổ sao chè"),
            ("packing", "2024-04-12T09:00:00+07:00", "Xưởng chế biến HTX Nậm Ty",
             "Tổ đóng gói"),
            ("shipping", "2024-04-15T10:00:00+07:00", "Nậm Ty → TP. Hồ Chí Minh",
             "Viettel Post Hoàng Su Phì"),
        ],
        "listings": [
            ("sendo", "https://www.sendo.vn/che-shan-tuyet-hoang-su-phi-nam-ty", "Mua trên Sendo"),
            ("voso", "https://voso.vn/che-shan-tuyet-nam-ty", "Mua trên Voso"),
        ],
    },
    {
        "slug": "mat_ong_bac_ha",
        "cooperative": {
            "name": "Hợp tác xã Mật ong bạc hà Mèo Vạc",
            "tax_code": "5100398521",
            "district": "Mèo Vạc",
            "commune": "Pả Vi",
            "address_line": "Thôn Pả Vi Hạ",
            "latitude": 23.1497,
            "longitude": 105.4076,
            "contact_name": "Vàng Mí Sính",
            "phone": "+84 978 331 452",
        },
        "area": {
            "code": "VN-HG-MV-PV-003-24",
            "name": "Vùng hoa bạc hà Pả Vi",
            "crop": "bạc hà (nuôi ong lấy mật)",
            "area_ha": 120,
            "latitude": 23.1523,
            "longitude": 105.4102,
        },
        "product": {
            "name_vi": "Mật ong bạc hà Mèo Vạc",
            "name_en": "Meo Vac mint honey",
            "category": "honey",
            "gtin": "8938534000215",
            "brand": "Mật ong bạc hà Pả Vi",
            "ocop_stars": 4,
            "ocop_score": 73,
            "ocop_certificate_no": "2204/QĐ-UBND-2023",
            "ocop_issued_on": "2023-11-06",
            "geographical_indication": "Mật ong bạc hà Mèo Vạc (chỉ dẫn địa lý số 00038, 2013)",
            "applied_standards": "TCVN 12605:2019",
            "description": "Mật ong từ đàn ong nội lấy phấn hoa bạc hà dại trên cao nguyên đá, "
            "màu vàng sánh, vị ngọt thanh, thu vào mùa hoa tháng 10 – 12.",
            "image_url": "https://tem.hagiang.gov.vn/img/mat-ong-bac-ha-meo-vac.jpg",
        },
        "certifications": [],
        "lot": {"code": "MO2410-01", "harvested_on": "2024-10-25", "quantity": 800,
                "unit": "jar", "expires_on": "2026-10-25"},
        "timeline": [
            ("harvest", "2024-10-25T08:00:00+07:00", "Vùng hoa bạc hà Pả Vi",
             "Tổ nuôi ong thôn Pả Vi Hạ"),
            ("processing", "2024-10-26T09:00:00+07:00", "Cơ sở lọc mật HTX Mèo Vạc",
             "Tổ lọc và hạ thủy phần"),
            ("packing", "2024-10-28T09:00:00+07:00", "Cơ sở lọc mật HTX Mèo Vạc",
             "Tổ đóng chai"),
            ("shipping", "2024-10-30T07:00:00+07:00", "Mèo Vạc → Hà Nội",
             "Bưu điện huyện Mèo Vạc"),
        ],
        "listings": [
            ("shopee", "https://shopee.vn/mat-ong-bac-ha-meo-vac-htx", "Mua trên Shopee"),
            ("postmart", "https://postmart.vn/mat-ong-bac-ha-meo-vac", "Mua trên Postmart"),
        ],
    },
]  # fmt: skip


async def seed(conn: asyncpg.Connection, settings: Settings) -> list[str]:
    """Seed idempotently; return the paths worth opening in a browser, one per line.

    Only pages that need no API key: the API docs, a GS1 Digital Link, a lot's EPCIS
    events, the public keys, and stamps to scan (genuine, suspicious, revoked, not yet
    activated, forged).
    """
    registry = await seed_registry(conn)
    stamp_links = await seed_stamps(conn, settings, registry)
    await seed_scan_history(conn, settings, registry)
    async with conn.transaction():
        await seed_people(conn, registry.cooperatives)
        await seed_delivery(
            conn,
            load_stamp_keys(settings, await batch_key_ids(conn)).ring,
            registry.cooperatives["cam_sanh"],
        )
    lot_id = registry.lots["cam_sanh"]
    gtin, lot_code = await conn.fetchrow(
        "SELECT p.gtin, l.code FROM lots l JOIN products p ON p.id = l.product_id WHERE l.id = $1",
        lot_id,
    )
    return [
        "/",
        "/portal/login",
        "/schema",
        f"/01/{gtin}/10/{lot_code}",
        f"/api/v1/lots/{lot_id}/epcis",
        "/.well-known/jwks.json",
        *stamp_links,
    ]


async def seed_stamps(
    conn: asyncpg.Connection, settings: Settings, registry: DemoRegistry
) -> list[str]:
    """A stamp batch per product, activated; one stamp revoked, one made suspicious by
    scans from far-apart places, one batch not yet activated. Returns scan paths to open.
    """
    from datetime import UTC, datetime, timedelta

    from stamps import issue
    from traceability.scanning.clone import Evidence, Witness, unix
    from traceability.signing import load_stamp_keys
    from traceability.stamping import service as stamping
    from traceability.stamping.repository import batch_key_ids
    from traceability.stamping.schemas import (
        ActivationRequest,
        RevocationRequest,
        StampBatchOrder,
    )

    # Generated here, before the server's workers start, so they all load this one ring.
    keys = load_stamp_keys(settings, await batch_key_ids(conn))
    kid = keys.ring.current_kid
    batches = {}
    async with conn.transaction():
        for slug, product_id in registry.products.items():
            order = StampBatchOrder(
                product_id=product_id,
                quantity=200,
                lot_id=registry.lots.get(slug),
                cooperative_id=registry.cooperatives[slug],
            )
            batch, _ = await stamping.order_batch(
                conn, SYSTEM, settings, kid, order, f"demo-{slug}"
            )
            if batch.activated == 0:
                await stamping.activate(conn, SYSTEM, ActivationRequest(batch_id=batch.id))
            batches[slug] = batch
        cam = batches["cam_sanh"]
        if cam.revoked == 0:
            await stamping.revoke(
                conn,
                SYSTEM,
                RevocationRequest(
                    first_serial=cam.last_serial,
                    last_serial=cam.last_serial,
                    reason="Tem bị hư hỏng khi dán, đã thay tem mới",
                    category="damaged_replaced",
                ),
            )
        waiting = await stamping.order_batch(
            conn,
            SYSTEM,
            settings,
            kid,
            StampBatchOrder(
                product_id=registry.products["cam_sanh"],
                quantity=50,
                cooperative_id=registry.cooperatives["cam_sanh"],
            ),
            "demo-cam_sanh-not-activated",
        )
        # A copied label: scanned in Bắc Quang, Hà Nội and Hồ Chí Minh City within three
        # hours, by three browsers on three networks.
        copied = cam.first_serial + 1
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM stamps WHERE serial = $1)", copied
        ):
            now = datetime.now(UTC)
            evidence = Evidence()
            for i, (lat, lon, hours) in enumerate(
                ((22.5, 104.9, 3), (21.0, 105.8, 2), (10.8, 106.7, 1))
            ):
                at = now - timedelta(hours=hours)
                session, network = 7001 + i, 9001 + i
                evidence.add(
                    Witness(s=session, t=unix(at), n=network, c="VN", la=lat, lo=lon, lt=unix(at)),
                    after_pin=False,
                )
                await conn.execute(
                    "INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family,"
                    " session, network, country, latitude, longitude)"
                    " VALUES ($1, $2, $3, $4, true, 'zalo', $5, $6, 'VN', $7, $8)",
                    at,
                    copied,
                    cam.id,
                    "genuine_first" if i == 0 else "genuine" if i == 1 else "suspicious",
                    session,
                    network,
                    lat,
                    lon,
                )
            await conn.execute(
                "INSERT INTO stamps (serial, batch_id, first_scan_at, last_scan_at, scan_count,"
                " views, evidence, suspicious_at, suspicious_rule, suspicious_reason,"
                " suspicious_evidence) VALUES ($1, $2, $3, $4, 3, 3, $5, $4, 'far_apart', $6, $5)",
                copied,
                cam.id,
                now - timedelta(hours=3),
                now - timedelta(hours=1),
                msgspec.to_builtins(evidence),
                "seen 1150 km apart within 1.0 h",
            )
    ring = keys.ring
    genuine = issue(cam.first_serial, ring).code
    return [
        "/s/" + genuine,
        "/s/" + issue(copied, ring).code,
        "/s/" + issue(cam.last_serial, ring).code,
        "/s/" + issue(waiting[0].first_serial, ring).code,
        "/s/" + genuine[:-1] + str((int(genuine[-1]) + 1) % 10),
    ]


# Where consumers shared their location from (rounded to 0.1° as the scan page rounds it),
# and how often: Hà Nội's supermarkets sell most of the province's oranges and tea.
_PLACES = ((21.0, 105.8, 5), (22.8, 105.0, 3), (10.8, 106.7, 2), (16.1, 108.2, 1), (20.9, 106.7, 1))
_COUNTRIES = (("VN", 40), ("CN", 2), ("JP", 1), ("KR", 1), ("US", 1), ("FR", 1))
HISTORY_DAYS = 90


async def seed_scan_history(
    conn: asyncpg.Connection, settings: Settings, registry: DemoRegistry
) -> None:
    """Last season's stamps (a batch per product, activated 95 days ago) and 90 days of
    consumers' scans of them, so the dashboards have a history to show.

    The scans go through the scan recorder's own flush (``plan`` and ``record_flush``), so
    the scan log, the stamps' counters and every rollup the dashboards read agree, exactly
    as if phones had scanned them. Each stamp is scanned by one phone: no clone rule fires.
    """
    from datetime import UTC, datetime, timedelta
    from random import Random

    from traceability.scanning.flush import ScanEvent, plan
    from traceability.scanning.recorder import Q as recorder_queries
    from traceability.signing import load_stamp_keys
    from traceability.stamping import service as stamping
    from traceability.stamping.repository import batch_key_ids
    from traceability.stamping.schemas import ActivationRequest, StampBatchOrder

    kid = load_stamp_keys(settings, await batch_key_ids(conn)).ring.current_kid
    now = datetime.now(UTC)
    rng = Random(2026)  # the same history on every machine
    events: list[ScanEvent] = []
    async with conn.transaction():
        for slug, product_id in registry.products.items():
            order = StampBatchOrder(
                product_id=product_id,
                quantity=400,
                lot_id=registry.lots.get(slug),
                cooperative_id=registry.cooperatives[slug],
            )
            batch, new = await stamping.order_batch(
                conn, SYSTEM, settings, kid, order, f"demo-{slug}-last-season"
            )
            if not new:
                return  # seeded on an earlier start
            await stamping.activate(conn, SYSTEM, ActivationRequest(batch_id=batch.id))
            await conn.execute(
                "UPDATE stamp_batches SET created_at = $2 WHERE id = $1",
                batch.id,
                now - timedelta(days=HISTORY_DAYS + 10),
            )
            await conn.execute(
                "UPDATE stamp_activations SET activated_at = $2 WHERE batch_id = $1",
                batch.id,
                now - timedelta(days=HISTORY_DAYS + 5),
            )
            # More scans as the season goes on, and more at weekends.
            scanned = rng.sample(range(batch.quantity), k=batch.quantity * 3 // 4)
            for serial in scanned:
                day = (HISTORY_DAYS - 1) * rng.random() ** 1.4
                at = now - timedelta(days=day, minutes=rng.randrange(0, 60))
                if at.weekday() < 5 and rng.random() < 0.25:
                    continue
                country = rng.choices([c for c, _ in _COUNTRIES], [w for _, w in _COUNTRIES])[0]
                lat = lon = None
                if country == "VN" and rng.random() < 0.3:
                    lat, lon, _ = rng.choices(_PLACES, [w for *_, w in _PLACES])[0]
                events.append(
                    ScanEvent(
                        serial=batch.first_serial + serial,
                        batch_id=batch.id,
                        at=at,
                        verdict="genuine",
                        ua_family=rng.choice(("zalo", "chrome", "safari", "facebook")),
                        session=rng.getrandbits(62),
                        network=rng.getrandbits(62),
                        country=country,
                        latitude=lat,
                        longitude=lon,
                        cooperative_id=batch.cooperative_id,
                        product_id=batch.product_id,
                    )
                )
        events.sort(key=lambda e: e.at)
        flush = plan(settings.clone_rules, events, [], shard=0)
        await conn.execute(recorder_queries["record_flush"], *flush.arguments())


async def seed_registry(conn: asyncpg.Connection) -> DemoRegistry:
    """Three cooperatives in three former districts of Hà Giang (now Tuyên Quang province),
    each with its flagship OCOP product and a lot."""
    registry = DemoRegistry()
    async with conn.transaction():
        for entry in DEMO:
            await _seed_flagship(conn, entry, registry)
    return registry


def this_season(entry: dict[str, Any], today: date) -> dict[str, Any]:
    """The entry moved by whole years so its lot is this season's harvest.

    The data above was written for one season; a demo opened years later should not show
    every product as expired. Whole years keep harvest months true to the crop (cam sành in
    November, chè in April) and the lot codes' YYMM in step with their dates.
    """
    harvested = date.fromisoformat(entry["lot"]["harvested_on"])
    years = today.year - harvested.year
    if harvested.replace(year=harvested.year + years) > today:
        years -= 1

    def moved(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: moved(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(moved(v) for v in value)
        if isinstance(value, str) and _ISO_DATE.match(value):
            return f"{int(value[:4]) + years:04d}{value[4:]}"
        return value

    shifted: dict[str, Any] = moved(entry)
    lot_code = shifted["lot"]["code"]
    match = _LOT_CODE_YEAR.match(lot_code)
    if match:
        year = (int(match.group(2)) + years) % 100
        shifted["lot"]["code"] = f"{match.group(1)}{year:02d}{lot_code[match.end() :]}"
    return shifted


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_LOT_CODE_YEAR = re.compile(r"^([A-Z]+)(\d{2})")


async def _seed_flagship(
    conn: asyncpg.Connection, entry: dict[str, Any], registry: DemoRegistry
) -> None:
    entry = this_season(entry, clock.today())
    slug = entry["slug"]
    coop_id = await _cooperative(conn, entry["cooperative"])
    area_id = await _planting_area(conn, coop_id, entry["area"])
    product_id = await _product(conn, coop_id, entry)
    lot_id = await _lot(conn, product_id, area_id, entry)
    registry.cooperatives[slug] = coop_id
    registry.planting_areas[slug] = area_id
    registry.products[slug] = product_id
    registry.lots[slug] = lot_id


def _valid(data: dict[str, Any], kind: type[S]) -> S:
    # The demo goes through the same validation as the API.
    return msgspec.convert(data, kind)


# The records are written by the same service functions as the API and the portal (and the
# tests' world), as the authority: the same rules, the same audit trail.


async def _cooperative(conn: asyncpg.Connection, data: dict[str, Any]) -> int:
    found = await cooperatives.find_by_tax_code(conn, data["tax_code"])
    if found is not None:
        return found.id
    return (await cooperative_service.create(conn, SYSTEM, _valid(data, CooperativeCreate))).id


async def _planting_area(conn: asyncpg.Connection, coop_id: int, data: dict[str, Any]) -> int:
    found = await areas.find_by_code(conn, data["code"])
    if found is not None:
        return found.id
    area = _valid({**data, "cooperative_id": coop_id}, PlantingAreaCreate)
    return (await area_service.create_area(conn, SYSTEM, area)).id


async def _product(conn: asyncpg.Connection, coop_id: int, entry: dict[str, Any]) -> int:
    data = _valid({**entry["product"], "cooperative_id": coop_id}, ProductCreate)
    assert data.gtin is not None
    found = await products.find_by_gtin(conn, data.gtin)
    if found is not None:
        return found.id
    created = await product_service.create_product(conn, SYSTEM, data)
    for certification in entry["certifications"]:
        await product_service.add_certification(
            conn, SYSTEM, created.id, _valid(certification, CertificationCreate)
        )
    for platform, url, label in entry["listings"]:
        await listing_service.add_listing(
            conn,
            SYSTEM,
            created.id,
            _valid({"platform": platform, "url": url, "label": label}, ListingCreate),
        )
    return created.id


async def _lot(
    conn: asyncpg.Connection, product_id: int, area_id: int, entry: dict[str, Any]
) -> int:
    found = await lots.find_by_code(conn, product_id, entry["lot"]["code"])
    if found is not None:
        return found.id
    data = {**entry["lot"], "product_id": product_id, "planting_area_id": area_id}
    created = await lot_service.create_lot(conn, SYSTEM, _valid(data, LotCreate))
    now = clock.now()
    for kind, occurred_at, place, actor in entry["timeline"]:
        event = _valid(
            {"kind": kind, "occurred_at": occurred_at, "place": place, "actor": actor},
            LotEventCreate,
        )
        if event.occurred_at > now:
            continue  # this season's lot was harvested days ago: it has not shipped yet
        await lot_service.record_event(conn, SYSTEM, created.id, event)
    return created.id
