"""Every API operation × every kind of caller: no leaks (issue 7, "access rules").

The operations come from the app's own routes: a route missing from ``POLICY`` (or a path
parameter missing from the world's ids, or a body-taking route missing from ``BODIES``) fails
the test, so a new route cannot escape the matrix. Each operation is aimed at cooperative A's
records, with a body that would succeed for A, and sent by:

anonymous, a malformed key, a revoked key, a key made by a key revoked later, cooperative B,
a retailer of another chain, and (for reads) cooperative A, chain R and the authority.
A chain's records (its stores, deliveries) are chain R's, whose store received a delivery
from cooperative A.

A leak is: a caller outside the policy getting anything but 401 (no valid key) or 403/404
(a valid key, not allowed); a scoped list showing B or the retailer a row of A's or R's; any row of
the registry, keys, stamps, users or audit log changed by a refused call; any 5xx.
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL, KeyMaker
from tests.registry.conftest import cooperative_body, created, product_body
from tests.scanning.helpers import stamp
from tests.stamping.photos import phone_photo
from tests.world import World, order, world
from traceability.registry.types import gs1_check_digit

__all__ = ["world"]  # the fixture

PUBLIC, KEY, SCOPED, OWNER, AUTHORITY = "public", "any key", "scoped", "owner", "authority"
EVERYONE, RETAIL, CHAIN = "every organisation", "any retailer", "chain"
"""Who may call: anyone; any valid key (the registry is public to read); authority and
cooperatives, each seeing its own rows; A and the authority; the authority alone; authority,
cooperatives and chains, each seeing its own rows; any retailer's key (a check that records
nothing); chain R and the authority."""

POLICY: dict[str, str] = {
    "GET /api/v1/api-keys": EVERYONE,
    "POST /api/v1/api-keys": OWNER,
    "GET /api/v1/api-keys/me": KEY,
    "DELETE /api/v1/api-keys/{key_id}": OWNER,
    "GET /api/v1/audit": SCOPED,
    "GET /api/v1/cases": SCOPED,
    "GET /api/v1/cases/open-count": AUTHORITY,
    "GET /api/v1/cases/{serial}": OWNER,
    "POST /api/v1/cases/{serial}/notes": AUTHORITY,
    "POST /api/v1/cases/{serial}/dismissal": AUTHORITY,
    "POST /api/v1/cases/{serial}/confirmation": AUTHORITY,
    "GET /api/v1/chains": AUTHORITY,
    "POST /api/v1/chains": AUTHORITY,
    "POST /api/v1/chains/onboarding": AUTHORITY,
    "GET /api/v1/chains/{chain_id}": CHAIN,
    "PATCH /api/v1/chains/{chain_id}": AUTHORITY,
    "POST /api/v1/chains/{chain_id}/suspension": AUTHORITY,
    "DELETE /api/v1/chains/{chain_id}/suspension": AUTHORITY,
    "GET /api/v1/chains/{chain_id}/stores": CHAIN,
    "POST /api/v1/chains/{chain_id}/stores": CHAIN,
    "GET /api/v1/cooperatives": KEY,
    "POST /api/v1/cooperatives": AUTHORITY,
    "POST /api/v1/cooperatives/onboarding": AUTHORITY,
    "POST /api/v1/cooperatives/{cooperative_id}/suspension": AUTHORITY,
    "DELETE /api/v1/cooperatives/{cooperative_id}/suspension": AUTHORITY,
    "GET /api/v1/cooperatives/{cooperative_id}": OWNER,
    "PATCH /api/v1/cooperatives/{cooperative_id}": OWNER,
    "GET /api/v1/cooperatives/{cooperative_id}/profile": KEY,
    "GET /api/v1/consumer-reports": AUTHORITY,
    "GET /api/v1/consumer-reports/{report_id}": AUTHORITY,
    "GET /api/v1/consumer-reports/{report_id}/photo": AUTHORITY,
    "GET /api/v1/deliveries": EVERYONE,
    "POST /api/v1/deliveries": CHAIN,
    "POST /api/v1/deliveries/check": RETAIL,
    "GET /api/v1/deliveries/{delivery_id}": OWNER,
    "POST /api/v1/epcis/capture": OWNER,
    "POST /api/v1/cartons": OWNER,
    "GET /api/v1/cartons/{carton_id}": KEY,
    "GET /api/v1/cartons/sscc/{sscc}": KEY,
    "POST /api/v1/cartons/{carton_id}/unpack": OWNER,
    "GET /api/v1/epcis/capture/{capture_id}": OWNER,
    "GET /api/v1/label-stocks": SCOPED,
    "GET /api/v1/lots": KEY,
    "POST /api/v1/lots": OWNER,
    "GET /api/v1/lots/{lot_id}": KEY,
    "PATCH /api/v1/lots/{lot_id}": OWNER,
    "DELETE /api/v1/lots/{lot_id}": OWNER,
    "GET /api/v1/lots/{lot_id}/circular-02": PUBLIC,
    "GET /api/v1/lots/{lot_id}/epcis": PUBLIC,
    "GET /api/v1/lots/{lot_id}/events": KEY,
    "POST /api/v1/lots/{lot_id}/recall": OWNER,
    "GET /api/v1/lots/{lot_id}/recall": KEY,
    "POST /api/v1/lots/{lot_id}/events": OWNER,
    "GET /api/v1/planting-areas": SCOPED,
    "POST /api/v1/planting-areas": OWNER,
    "GET /api/v1/planting-areas/{area_id}": OWNER,
    "PATCH /api/v1/planting-areas/{area_id}": OWNER,
    "DELETE /api/v1/planting-areas/{area_id}": OWNER,
    "GET /api/v1/products": KEY,
    "POST /api/v1/products": OWNER,
    "GET /api/v1/products/{product_id}": KEY,
    "PATCH /api/v1/products/{product_id}": OWNER,
    "DELETE /api/v1/products/{product_id}": OWNER,
    "GET /api/v1/products/{product_id}/certifications": KEY,
    "POST /api/v1/products/{product_id}/certifications": OWNER,
    "DELETE /api/v1/products/{product_id}/certifications/{certification_id}": OWNER,
    "GET /api/v1/products/{product_id}/circular-02": PUBLIC,
    "GET /api/v1/products/{product_id}/listings": KEY,
    "POST /api/v1/products/{product_id}/listings": OWNER,
    "DELETE /api/v1/products/{product_id}/listings/{listing_id}": OWNER,
    "POST /api/v1/products/{product_id}/listings/{listing_id}/approval": AUTHORITY,
    "GET /api/v1/products/{product_id}/origin": KEY,
    "GET /api/v1/stamp-batches": SCOPED,
    "POST /api/v1/stamp-batches": OWNER,
    "GET /api/v1/stamp-batches/cost-report": SCOPED,
    "GET /api/v1/stamp-batches/{batch_id}": OWNER,
    "GET /api/v1/stamp-batches/{batch_id}/download": OWNER,
    "POST /api/v1/stamp-batches/{batch_id}/approval": AUTHORITY,
    "POST /api/v1/stamp-batches/{batch_id}/cancel": OWNER,
    "GET /api/v1/stamp-batches/cancellation-requests": SCOPED,
    "GET /api/v1/stamp-batches/{batch_id}/cancellation-requests": OWNER,
    "POST /api/v1/stamp-batches/{batch_id}/cancellation-request": OWNER,
    "DELETE /api/v1/stamp-batches/{batch_id}/cancellation-request": OWNER,
    "POST /api/v1/stamp-batches/{batch_id}/cancellation-request/decision": AUTHORITY,
    "PUT /api/v1/stamp-batches/{batch_id}/payment": AUTHORITY,
    "DELETE /api/v1/stamp-batches/{batch_id}/payment": AUTHORITY,
    "POST /api/v1/stamps/activations": OWNER,
    "GET /api/v1/stamps/analytics": SCOPED,
    "POST /api/v1/stamps/revocations": OWNER,
    # Any cooperative may read photos; only its own stamps are described (checked below).
    "POST /api/v1/stamps/photo-reading": SCOPED,
    "GET /api/v1/stamps/{serial}/story": OWNER,
    "GET /api/v1/stamps/{serial}/scans": OWNER,
    "GET /api/v1/stamps/suspicious": SCOPED,
    "GET /api/v1/stamps/suspicious/{serial}": OWNER,
    "POST /api/v1/stamps/suspicious/{serial}/clearance": AUTHORITY,
    "GET /api/v1/stores/{store_id}": CHAIN,
    "GET /api/v1/subsidy/budgets": SCOPED,
    "PUT /api/v1/subsidy/budgets/{cooperative_id}/{year}": AUTHORITY,
    "GET /api/v1/subsidy/figures": AUTHORITY,
    "GET /api/v1/subsidy/statement": SCOPED,
    "PATCH /api/v1/stores/{store_id}": CHAIN,
    "POST /api/v1/stores/{store_id}/closure": CHAIN,
    "DELETE /api/v1/stores/{store_id}/closure": CHAIN,
    "GET /api/v1/users": EVERYONE,
    "POST /api/v1/users": OWNER,
    "GET /api/v1/users/{user_id}": OWNER,
    "POST /api/v1/users/{user_id}/disable": OWNER,
    "POST /api/v1/users/{user_id}/enable": OWNER,
    "POST /api/v1/users/{user_id}/password-reset": AUTHORITY,
    "POST /api/v1/verify": KEY,
}

WATCHED = (
    "cooperatives", "planting_areas", "products", "product_certifications",
    "marketplace_listings", "lots", "lot_events", "api_keys", "stamp_batches",
    "stamp_activations", "stamp_revocations", "stamps", "users", "audit_log",
    "epcis_captures", "epcis_events", "lot_recalls", "consumer_reports", "chains", "stores",
    "deliveries", "delivery_stamps", "subsidy_budgets", "stamp_order_approvals",
    "stamp_order_payments", "stamp_case_events", "stamp_order_cancellations",
)  # fmt: skip


def _capture(gtin: str, lot_code: str, hour: int) -> dict[str, Any]:
    """An EPCIS document of one event on that lot (a Digital Link naming the lot class)."""
    event = {
        "type": "ObjectEvent",
        "eventTime": f"2024-11-21T{hour:02d}:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "quantityList": [{"epcClass": f"https://id.gs1.org/01/{gtin}/10/{lot_code}"}],
        "action": "OBSERVE",
        "bizStep": "shipping",
    }
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2024-12-01T00:00:00Z",
        "epcisBody": {"eventList": [event]},
    }  # fmt: skip


def _sscc(reference: int) -> str:
    """A carton's SSCC (AI 00) with its check digit."""
    body = f"38938534{reference:09d}"
    return body + str(gs1_check_digit(body))


CHAIN_BODY = {
    "name": "Siêu thị Ma Trận", "tax_code": "0107654321", "province": "Hà Nội",
    "commune": "Phường Cầu Giấy",
}  # fmt: skip
STORE_BODY = {"name": "Kho Cầu Giấy", "province": "Hà Nội", "commune": "Phường Cầu Giấy"}


def _bodies(
    w: World, batch_id: int, capture: dict[str, Any], delivery: dict[str, Any]
) -> dict[str, Any]:
    """A body that succeeds for cooperative A, chain R (or the authority) on each body-taking
    route."""
    a = w.a
    return {
        "POST /api/v1/chains": {**CHAIN_BODY, "tax_code": "0107654322", "name": "Chuỗi mới"},
        "POST /api/v1/chains/onboarding": {
            "chain": {**CHAIN_BODY, "tax_code": "0107654323", "name": "Chuỗi khác"},
            "first_user": {"login": "0912000333", "display_name": "Chị Hoa"},
        },
        "PATCH /api/v1/chains/{chain_id}": {"name": "Siêu thị đổi tên"},
        "POST /api/v1/cases/{serial}/notes": {"body": "Đã gọi cho hợp tác xã"},
        "POST /api/v1/cases/{serial}/dismissal": {"reason": "Hội chợ Hà Giang"},
        "POST /api/v1/cases/{serial}/confirmation": {},
        "POST /api/v1/cooperatives/onboarding": {
            "cooperative": cooperative_body(8),
            "first_user": {"login": "0912000444", "display_name": "Anh Dũng"},
        },
        "POST /api/v1/cooperatives/{cooperative_id}/suspension": {"reason": "Ngừng hoạt động"},
        "PUT /api/v1/subsidy/budgets/{cooperative_id}/{year}": {"budget_vnd": 1000000},
        "POST /api/v1/stamp-batches/{batch_id}/approval": {"decision": "approve"},
        "POST /api/v1/stamp-batches/{batch_id}/cancel": {"reason": "Đặt nhầm số lượng"},
        "POST /api/v1/stamp-batches/{batch_id}/cancellation-request": {"reason": "In sai tên"},
        "POST /api/v1/stamp-batches/{batch_id}/cancellation-request/decision": {
            "decision": "approved"
        },
        "PUT /api/v1/stamp-batches/{batch_id}/payment": {
            "paid_on": "2024-12-01", "reference": "UNC 118",
        },
        "POST /api/v1/chains/{chain_id}/suspension": {"reason": "Hết hợp đồng"},
        "POST /api/v1/chains/{chain_id}/stores": {**STORE_BODY, "name": "Kho Hà Đông"},
        "PATCH /api/v1/stores/{store_id}": {"name": "Kho Cầu Giấy 2"},
        "POST /api/v1/deliveries": delivery,
        "POST /api/v1/deliveries/check": {"codes": delivery["codes"]},
        "POST /api/v1/epcis/capture": capture,
        "POST /api/v1/lots/{lot_id}/recall": {"reason": "Phát hiện dư lượng thuốc BVTV"},
        "POST /api/v1/api-keys": {
            "name": "matrix", "role": "cooperative", "cooperative_id": a.cooperative_id,
        },
        "POST /api/v1/cooperatives": cooperative_body(9),
        "PATCH /api/v1/cooperatives/{cooperative_id}": {"name": "Hợp tác xã đổi tên"},
        "POST /api/v1/lots": {
            "product_id": a.product_id, "code": "MATRIX-1", "harvested_on": "2024-11-20",
            "quantity": 1, "unit": "kg",
        },
        "PATCH /api/v1/lots/{lot_id}": {"quantity": 2},
        "POST /api/v1/lots/{lot_id}/events": {
            "kind": "packing", "occurred_at": "2024-11-21T08:00:00+07:00", "place": "Kho",
            "actor": "HTX",
        },
        "POST /api/v1/planting-areas": {
            "code": "VN-HG-BQ-VH-009-24", "crop": "cam sành", "area_ha": 1,
            "cooperative_id": a.cooperative_id,
        },
        "PATCH /api/v1/planting-areas/{area_id}": {"crop": "cam sành"},
        "POST /api/v1/products": product_body(a.cooperative_id),
        "PATCH /api/v1/products/{product_id}": {"name_en": "King orange"},
        "POST /api/v1/products/{product_id}/certifications": {
            "scheme": "VietGAP", "issued_on": "2023-05-01", "expires_on": "2026-05-01",
        },
        "POST /api/v1/products/{product_id}/listings": {
            "platform": "voso", "url": "https://voso.vn/cam-sanh-matrix",
        },
        "POST /api/v1/stamp-batches": {"product_id": a.product_id, "quantity": 1},
        "POST /api/v1/stamps/activations": {"batch_id": batch_id},
        "POST /api/v1/stamps/revocations": {"batch_id": batch_id, "reason": "Thu hồi"},
        "POST /api/v1/stamps/suspicious/{serial}/clearance": {"reason": "Hội chợ Hà Giang"},
        "POST /api/v1/users": {
            "login": "0912000111", "display_name": "Chị Lan", "role": "cooperative",
            "cooperative_id": a.cooperative_id,
        },
        "POST /api/v1/verify": {"codes": []},
    }  # fmt: skip


def _operations(client: AsyncTestClient[Any]) -> list[tuple[str, str]]:
    """(method, path) of every API operation the app serves."""
    found: list[tuple[str, str]] = []
    for route in client.app.routes:
        if isinstance(route, HTTPRoute) and route.path.startswith("/api/"):
            for method in sorted(route.methods - {"OPTIONS", "HEAD"}):
                found.append((method, route.path_format))
    return found


def _rows_of(value: Any, owners: dict[str, int]) -> bool:
    """Does this JSON hold a row of those owners' (``cooperative_id`` or ``chain_id``, anywhere,
    at any depth)?"""
    if isinstance(value, dict):
        if any(value.get(field) == owner for field, owner in owners.items()):
            return True
        return any(_rows_of(v, owners) for v in value.values())
    if isinstance(value, list):
        return any(_rows_of(v, owners) for v in value)
    return False


async def _watched(db: asyncpg.Connection) -> dict[str, list[Any]]:
    """Every row of the watched tables (a key's ``last_used_at`` is written in the background
    by any authenticated call, refused or not: not a change a refused call made)."""
    return {
        t: [
            tuple(v for k, v in r.items() if k != "last_used_at")
            for r in await db.fetch(f"SELECT * FROM {t} ORDER BY 1")
        ]
        for t in WATCHED
    }


def _judge(who: str, policy: str, answer: Any, owners: dict[str, int]) -> str | None:
    """What leaked when ``who`` got this answer (None: nothing)."""
    status: int = answer.status_code
    valid_key = who in ("cooperative B", "retailer")
    allowed = policy == PUBLIC or (
        valid_key
        and (
            policy in (KEY, EVERYONE)
            or (policy == SCOPED and who == "cooperative B")
            or (policy == RETAIL and who == "retailer")
        )
    )
    if status >= 500:
        return f"{status}"
    if allowed:
        if status in (401, 403):
            return f"refused ({status}) though allowed"
        if policy in (SCOPED, EVERYONE) and status == 200 and _rows_of(answer.json(), owners):
            return "sees cooperative A's or chain R's rows"
        return None
    if not valid_key and status != 401:
        return f"{status}, not 401"
    if valid_key and status not in (403, 404):
        return f"{status}, not 403/404"
    return None


async def test_every_operation_by_every_kind_of_caller_leaks_nothing(
    client: AsyncTestClient[Any], world: World, make_key: KeyMaker, db: asyncpg.Connection
) -> None:
    a = world.a
    batch = await order(client, a.key, a.product_id, 2)
    user = await created(client, "/api/v1/users", {
        "login": "0912000222", "display_name": "Anh Tùng", "role": "cooperative",
        "cooperative_id": a.cooperative_id,
    }, a.key)  # fmt: skip
    await db.execute(
        "INSERT INTO stamps (serial, batch_id, scan_count, suspicious_at, suspicious_rule,"
        " suspicious_reason) VALUES ($1, $2, 30, now(), 'crowd', 'matrix')",
        batch["first_serial"], batch["id"],
    )  # a case for the authority to clear  # fmt: skip
    report_id = await db.fetchval(
        "INSERT INTO consumer_reports (code, serial, batch_id, verdict, problem, language, photo)"
        " VALUES ('matrix', $1, $2, 'suspicious', 'Tem giống hệt ở chợ khác', 'vi', $3)"
        " RETURNING id",
        batch["first_serial"], batch["id"], b"\xff\xd8\xff\xd9",
    )  # fmt: skip
    packed = await order(client, a.key, a.product_id, 4)
    await created(client, "/api/v1/stamps/activations",
                  {"batch_id": packed["id"], "assign_lot_id": a.lot_id}, a.key)  # fmt: skip
    first = packed["first_serial"]
    carton = await created(client, "/api/v1/cartons", {
        "sscc": _sscc(1), "contents": [{"first_serial": first, "last_serial": first + 1}],
    }, a.key)  # fmt: skip
    await created(client, f"/api/v1/lots/{a.lot_id}/recall", {"reason": "Thu hồi lô"}, a.key)
    await make_key("cooperative", a.cooperative_id, name="spare")  # one to try revoking
    revoked: dict[str, str] = await make_key("cooperative", a.cooperative_id, name="to revoke")
    parent: dict[str, str] = await make_key("cooperative", a.cooperative_id, name="parent")
    child = await created(
        client,
        "/api/v1/api-keys",
        {"name": "child", "role": "cooperative", "cooperative_id": a.cooperative_id},
        parent,
    )
    gtin, lot_code = await db.fetchrow(
        "SELECT p.gtin, l.code FROM lots l JOIN products p ON p.id = l.product_id WHERE l.id = $1",
        a.lot_id,
    )
    answer = await client.post(
        "/api/v1/epcis/capture", json=_capture(gtin, lot_code, 9), headers=a.key
    )
    assert answer.status_code == 202, answer.text
    capture_id = answer.json()["captureID"]
    ids = {
        row["name"]: row["id"]
        for row in await db.fetch("SELECT id, name FROM api_keys WHERE name IN "
                                  "('spare', 'to revoke', 'parent')")
    }  # fmt: skip
    for name in ("to revoke", "parent"):
        answer = await client.delete(f"/api/v1/api-keys/{ids[name]}", headers=world.authority)
        assert answer.status_code == 200, answer.text
    chain = await created(client, "/api/v1/chains", CHAIN_BODY, world.authority)
    chain_r: dict[str, str] = await make_key("retailer", chain_id=chain["id"], name="chain R")
    store = await created(client, f"/api/v1/chains/{chain['id']}/stores", STORE_BODY, chain_r)
    codes = [stamp(client, batch["first_serial"] + 1).code]
    delivery_body = {"store_id": store["id"], "cooperative_id": a.cooperative_id, "codes": codes}
    delivery = await created(client, "/api/v1/deliveries", delivery_body, chain_r)
    values = {
        "cooperative_id": a.cooperative_id, "lot_id": a.lot_id, "area_id": a.area_id,
        "product_id": a.product_id, "certification_id": a.certification_id,
        "listing_id": a.listing_id, "batch_id": batch["id"], "serial": batch["first_serial"],
        "key_id": ids["spare"], "user_id": user["user"]["id"],
        "capture_id": capture_id, "report_id": report_id, "chain_id": chain["id"],
        "store_id": store["id"], "delivery_id": delivery["id"], "year": 2024,
        "carton_id": carton["id"], "sscc": _sscc(1),
    }  # fmt: skip
    owners = {"cooperative_id": a.cooperative_id, "chain_id": chain["id"]}
    bodies = _bodies(world, batch["id"], _capture(gtin, lot_code, 10), delivery_body)
    bodies["POST /api/v1/cartons"] = {
        "sscc": _sscc(2), "contents": [{"first_serial": first + 2, "last_serial": first + 3}],
    }  # fmt: skip
    bodies["POST /api/v1/cartons/{carton_id}/unpack"] = {}
    # A photo of A's first stamp: another cooperative learns nothing about it.
    photo = phone_photo([stamp(client, batch["first_serial"]).url(PUBLIC_URL)])
    files = {"POST /api/v1/stamps/photo-reading": [("photo", ("IMG_1.jpg", photo, "image/jpeg"))]}
    outsiders = {
        "anonymous": {},
        "malformed key": {"Authorization": "Bearer not-a-key"},
        "revoked key": revoked,
        "key made by a revoked key": {"Authorization": f"Bearer {child['secret']}"},
        "cooperative B": world.b.key,
        "retailer": world.retailer,
    }
    operations = _operations(client)
    unclassified = sorted({f"{m} {p}" for m, p in operations} - set(POLICY))
    assert unclassified == [], "classify these new routes in POLICY"
    before = await _watched(db)
    leaks: list[str] = []
    requests = 0
    for method, path in operations:
        name = f"{method} {path}"
        params = re.findall(r"\{(\w+)\}", path)
        assert all(p in values for p in params), f"{name}: give the world an id for {params}"
        url = path.format(**values)
        takes_no_body = "{user_id}" in path or name.endswith(("/approval", "/closure"))
        has_body = name in bodies or name in files
        if method in ("POST", "PATCH", "PUT") and not has_body and not takes_no_body:
            leaks.append(f"{name}: no body in BODIES")
            continue
        for who, headers in outsiders.items():
            if name in files:
                answer = await client.request(method, url, files=files[name], headers=headers)
            else:
                answer = await client.request(method, url, json=bodies.get(name), headers=headers)
            requests += 1
            leak = _judge(who, POLICY[name], answer, owners)
            if leak is None and name in files and answer.status_code == 200:
                read = answer.json()
                if read["stamps"] or read["ranges"]:
                    leak = "described cooperative A's stamps"
            if leak is not None:
                leaks.append(f"{who} {name}: {leak}")
    after = await _watched(db)
    changed = [t for t in WATCHED if before[t] != after[t]]
    # Reads by the insiders: every record the outsiders were refused is there for them.
    for method, path in operations:
        if method != "GET":
            continue
        policy = POLICY[f"GET {path}"]
        insiders = [("cooperative A", a.key), ("authority", world.authority)]
        if policy == AUTHORITY:
            insiders = insiders[1:]
        elif policy == CHAIN:
            insiders = [("chain R", chain_r), ("authority", world.authority)]
        elif path.startswith("/api/v1/deliveries"):
            insiders.append(("chain R", chain_r))  # the chain's, and the supplier's (A's)
        for who, headers in insiders:
            answer = await client.get(path.format(**values), headers=headers)
            requests += 1
            if answer.status_code != 200:
                leaks.append(f"{who} GET {path}: {answer.status_code}, not 200")
    print(f"authorization matrix: {len(operations)} operations, {requests} requests")
    assert leaks == []
    assert changed == [], "a refused call changed these tables"
    assert len(operations) >= 55
