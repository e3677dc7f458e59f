"""A product's (and a lot's) record in the fields Circular 02/2024/TT-BKHCN requires.

The circular's minimum ("one step back, one step forward"): product name and images; the
producer's name and address; each production and business stage with the item's trace code,
the place's trace code and the time; production time; the product's trace codes; brand,
code or serial; shelf life; applied standards. Built from the one origin read model, so it
says exactly what the consumer page says. Trace codes are GS1 Digital Link URIs (TCVN
13274:2020 codes follow GS1), places are planting-area codes (Decision 3156/QĐ-BNN-TT) or
the free-text place the cooperative recorded.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Final

from traceability.registry.origin import ProductOrigin

CIRCULAR: Final = "02/2024/TT-BKHCN"
STAGE_NAMES: Final = {
    "harvest": "Thu hoạch",
    "processing": "Sơ chế, chế biến",
    "packing": "Đóng gói",
    "shipping": "Vận chuyển",
    "receiving": "Tiếp nhận",
    "storing": "Bảo quản",
    "inspecting": "Kiểm tra chất lượng",
    "other": "Công đoạn khác",
}


def _address(origin: ProductOrigin) -> str:
    """Two-level address (since 1 July 2025): the line, commune and province."""
    coop = origin.cooperative
    return ", ".join(part for part in (coop.address_line, coop.commune, coop.province) if part)


def _trace_code(base: str, origin: ProductOrigin, lot: bool) -> str:
    """The GS1 Digital Link of the product (or its lot), else this service's own URI."""
    if origin.gtin:
        path = f"/01/{origin.gtin}"
        if lot and origin.lot is not None:
            path += f"/10/{origin.lot.code}"
        return base + path
    if lot and origin.lot is not None:
        return f"{base}/api/v1/lots/{origin.lot.id}"
    return f"{base}/api/v1/products/{origin.product_id}"


def record(base: str, origin: ProductOrigin) -> dict[str, Any]:
    """The record as JSON-ready data (lot fields and stages only when read with a lot)."""
    lot = origin.lot
    item_code = _trace_code(base, origin, lot=True)
    stages = [
        {
            "stage": event.kind,
            "stage_name": STAGE_NAMES.get(event.kind, event.kind),
            "item_trace_code": item_code,
            "place": event.place,
            "place_trace_code": (
                origin.planting_area.code
                if event.kind == "harvest" and origin.planting_area is not None
                else None
            ),
            "time": event.local_time.isoformat(),
            "actor": event.actor,
        }
        for event in origin.timeline
    ]
    shelf_life = (
        (lot.expires_on - lot.harvested_on).days
        if lot is not None and lot.expires_on is not None
        else None
    )
    return {
        "circular": CIRCULAR,
        "product": {
            "name": origin.name_vi,
            "name_en": origin.name_en,
            "images": [origin.image_url] if origin.image_url else [],
            "trace_code": _trace_code(base, origin, lot=False),
            "gtin": origin.gtin,
            "brand": origin.brand,
            "geographical_indication": origin.geographical_indication,
            "applied_standards": origin.applied_standards,
            "ocop_stars": origin.ocop_stars,
            "certifications": [
                {
                    "scheme": c.scheme,
                    "number": c.number,
                    "issuer": c.issuer,
                    "issued_on": c.issued_on.isoformat(),
                    "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                }
                for c in origin.certifications
            ],
        },
        "producer": {
            "name": origin.cooperative.name,
            "address": _address(origin),
            "province": origin.cooperative.province,
            "commune": origin.cooperative.commune,
            "former_district": origin.cooperative.district,
            "phone": origin.cooperative.phone,
        },
        "lot": None
        if lot is None
        else {
            "code": lot.code,
            "trace_code": item_code,
            "production_time": lot.harvested_on.isoformat(),
            "expires_on": lot.expires_on.isoformat() if lot.expires_on else None,
            "shelf_life_days": shelf_life,
            "quantity": float(lot.quantity),
            "unit": lot.unit,
            "planting_area_code": origin.planting_area.code if origin.planting_area else None,
        },
        "stages": stages,
    }


CSV_COLUMNS: Final = (
    ("Tên sản phẩm", lambda r, s: r["product"]["name"]),
    ("Hình ảnh", lambda r, s: " ".join(r["product"]["images"])),
    ("Mã truy vết sản phẩm", lambda r, s: r["product"]["trace_code"]),
    ("GTIN", lambda r, s: r["product"]["gtin"]),
    ("Nhãn hiệu", lambda r, s: r["product"]["brand"]),
    ("Tiêu chuẩn áp dụng", lambda r, s: r["product"]["applied_standards"]),
    ("Tên cơ sở sản xuất", lambda r, s: r["producer"]["name"]),
    ("Địa chỉ", lambda r, s: r["producer"]["address"]),
    ("Số lô", lambda r, s: (r["lot"] or {}).get("code")),
    ("Mã truy vết lô", lambda r, s: (r["lot"] or {}).get("trace_code")),
    ("Thời gian sản xuất", lambda r, s: (r["lot"] or {}).get("production_time")),
    ("Hạn sử dụng", lambda r, s: (r["lot"] or {}).get("expires_on")),
    ("Thời hạn sử dụng (ngày)", lambda r, s: (r["lot"] or {}).get("shelf_life_days")),
    ("Công đoạn", lambda r, s: s and s["stage_name"]),
    ("Mã truy vết sản phẩm của công đoạn", lambda r, s: s and s["item_trace_code"]),
    ("Địa điểm", lambda r, s: s and s["place"]),
    ("Mã truy vết địa điểm", lambda r, s: s and s["place_trace_code"]),
    ("Thời gian", lambda r, s: s and s["time"]),
    ("Người thực hiện", lambda r, s: s and s["actor"]),
)


def record_csv(data: dict[str, Any]) -> bytes:
    """One row per stage (one row without stages), UTF-8 with a BOM so Excel reads Vietnamese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name, _ in CSV_COLUMNS])
    for stage in data["stages"] or [None]:
        writer.writerow(
            ["" if (v := get(data, stage)) is None else _cell(v) for _, get in CSV_COLUMNS]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: object) -> str:
    text = str(value)
    # Spreadsheets run cells that start like a formula: keep them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
