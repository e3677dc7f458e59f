"""Analytics from the rollups: per day, product, cooperative, scanning country, places; a long
period from whole months and the days around them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.scanning.helpers import FromNetwork, active_batch, app_path
from tests.world import Registry, order
from traceability import clock
from traceability.app import create_app
from traceability.scanning.analytics import whole_months
from traceability.settings import Settings


async def test_analytics_per_tenant(
    settings: Settings, registry: Registry, authority: dict[str, str]
) -> None:
    app = FromNetwork(create_app(settings), "14.160.0.1")
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        url = app_path(app, batch["first_serial"])
        for i, address in enumerate(("14.160.0.1", "8.8.8.8", "14.161.0.1")):
            app.address = address
            await client.get(url, params={"lat": "21.03", "lon": "105.85"} if i == 0 else {})
        await client.get(f"{url}/buy/{registry.listing_id}", follow_redirects=False)
        theirs = await order(client, registry.other_coop, registry.other_product_id, 5)
        app.address = "203.113.131.7"
        await client.get(app_path(app, theirs["first_serial"]))
        mine = (await client.get("/api/v1/stamps/analytics", headers=registry.coop)).json()
        assert sum(d["scans"] for d in mine["per_day"]) == 3
        assert len(mine["per_day"]) == 30  # every day, for a chart
        assert mine["totals"] == {"scans": 3, "first_scans": 1, "suspicious": 0, "views": 3}
        assert mine["per_product"] == [
            {
                "product_id": registry.product_id,
                "product_name": "Cam sành Hà Giang",
                "scans": 3,
                "suspicious": 0,
            }
        ]
        # Where the scans happened, not where the product comes from.
        assert mine["per_scan_country"] == [
            {"country": "VN", "scans": 2},
            {"country": "US", "scans": 1},
        ]
        assert mine["shared_places"] == [{"latitude": 21.0, "longitude": 105.8, "scans": 1}]
        assert mine["clicks_per_platform"] == [{"platform": "voso", "clicks": 1}]
        assert "per_district" not in mine
        everyone = (await client.get("/api/v1/stamps/analytics", headers=authority)).json()
        assert {c["cooperative_name"]: c["scans"] for c in everyone["per_cooperative"]} == {
            "HTX Anh Tài": 3,
            "HTX Chè Shan Tuyết Lũng Phìn": 1,
        }
        # Where the products come from: the producers' communes, former district beside.
        assert everyone["per_commune"] == [
            {
                "province": "Hà Giang",
                "commune": "Vĩnh Hảo",
                "former_district": "Bắc Quang",
                "scans": 3,
                "suspicious": 0,
                "cooperatives": 1,
            },
            {
                "province": "Hà Giang",
                "commune": "Lũng Phìn",
                "former_district": "Đồng Văn",
                "scans": 1,
                "suspicious": 0,
                "cooperatives": 1,
            },
        ]
        assert [c["commune"] for c in mine["per_commune"]] == ["Vĩnh Hảo"]
        assert {c["country"]: c["scans"] for c in everyone["per_scan_country"]} == {
            "VN": 3,
            "US": 1,
        }
        retailer = await client.get("/api/v1/stamps/analytics", headers=registry.retailer)
        assert retailer.status_code == 403
        year = await client.get(
            "/api/v1/stamps/analytics",
            params={"since": "2025-01-01", "until": "2025-12-31"},
            headers=authority,
        )
        assert year.status_code == 200
        assert len(year.json()["per_day"]) == 365
        too_long = await client.get(
            "/api/v1/stamps/analytics",
            params={"since": "2024-01-01", "until": "2025-12-31"},
            headers=authority,
        )
        assert too_long.status_code in (400, 422)


def test_whole_months_of_a_period() -> None:
    assert whole_months(date(2025, 12, 2), date(2026, 12, 1)) == (
        date(2026, 1, 1),
        date(2026, 12, 1),
    )
    assert whole_months(date(2026, 1, 1), date(2026, 12, 31)) == (
        date(2026, 1, 1),
        date(2027, 1, 1),
    )
    assert whole_months(date(2026, 2, 1), date(2026, 2, 28)) == (date(2026, 2, 1), date(2026, 3, 1))
    # No whole month: nothing from the monthly rollups, every day from the daily ones.
    assert whole_months(date(2026, 2, 2), date(2026, 3, 30)) == (
        date(2026, 3, 31),
        date(2026, 3, 31),
    )
    assert whole_months(date(2026, 2, 1), date(2026, 2, 27)) == (
        date(2026, 2, 28),
        date(2026, 2, 28),
    )


async def test_a_long_period_adds_whole_months_to_the_days_around_them(
    settings: Settings,
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = FromNetwork(create_app(settings), "14.160.0.1")
    networks = {"VN": "14.160.0.1", "US": "8.8.8.8", "CN": "114.114.114.114"}
    vietnam = timezone(timedelta(hours=7))
    # (Vietnam time, scanning country, shared cell): Jan 31 and Apr 1 are the period's edge
    # days, Feb and Mar its whole months; Jan 30 and Apr 2 fall outside it.
    scans = [
        (datetime(2025, 1, 30, 23, 59, tzinfo=vietnam), "VN", (21.0, 105.8)),
        (datetime(2025, 1, 31, 0, 0, tzinfo=vietnam), "VN", (21.0, 105.8)),
        (datetime(2025, 2, 1, 0, 30, tzinfo=vietnam), "US", (22.8, 104.9)),
        (datetime(2025, 2, 28, 23, 0, tzinfo=vietnam), "VN", (21.0, 105.8)),
        (datetime(2025, 3, 15, 9, 0, tzinfo=vietnam), "VN", None),
        (datetime(2025, 4, 1, 23, 59, tzinfo=vietnam), "CN", (22.8, 104.9)),
        (datetime(2025, 4, 2, 0, 0, tzinfo=vietnam), "VN", (22.8, 104.9)),
    ]
    real_now = clock.now
    async with AsyncTestClient(app=app) as client:
        batch = await active_batch(client, registry)
        for n, (at, country, cell) in enumerate(scans):
            monkeypatch.setattr(clock, "now", lambda at=at: at.astimezone(UTC))
            app.address = networks[country]
            located = {"lat": str(cell[0]), "lon": str(cell[1])} if cell else {}
            scanned = await client.get(app_path(app, batch["first_serial"] + n), params=located)
            assert scanned.status_code == 200
        monkeypatch.setattr(clock, "now", real_now)
        # Kept as the scans were recorded: day totals, months per product and country, places.
        assert await db.fetchval("SELECT sum(scans) FROM scan_days") == 7
        months = await db.fetch(
            "SELECT month, country, sum(scans) FROM scan_monthly GROUP BY 1, 2 ORDER BY 1, 2"
        )
        assert [tuple(m) for m in months] == [
            (date(2025, 1, 1), "VN", 2),
            (date(2025, 2, 1), "US", 1),
            (date(2025, 2, 1), "VN", 1),
            (date(2025, 3, 1), "VN", 1),
            (date(2025, 4, 1), "CN", 1),
            (date(2025, 4, 1), "VN", 1),
        ]
        assert await db.fetchval("SELECT sum(scans) FROM scan_monthly_places") == 6
        cooperative_months = await db.fetch(
            "SELECT cooperative_id, month, sum(scans) FROM scan_monthly_cooperative_places"
            " GROUP BY 1, 2 ORDER BY 2"
        )
        assert [(m[1], m[2]) for m in cooperative_months] == [
            (date(2025, 1, 1), 2),
            (date(2025, 2, 1), 2),
            (date(2025, 4, 1), 2),
        ]
        assert {m[0] for m in cooperative_months} == {registry.cooperative_id}
        period = {"since": "2025-01-31", "until": "2025-04-01"}
        for headers in (authority, registry.coop):
            answer = await client.get("/api/v1/stamps/analytics", params=period, headers=headers)
            assert answer.status_code == 200
            found = answer.json()
            assert found["totals"] == {"scans": 5, "first_scans": 5, "suspicious": 0, "views": 5}
            assert sum(d["scans"] for d in found["per_day"]) == 5
            assert [p["scans"] for p in found["per_product"]] == [5]
            assert [(c["commune"], c["scans"]) for c in found["per_commune"]] == [("Vĩnh Hảo", 5)]
            assert {c["country"]: c["scans"] for c in found["per_scan_country"]} == {
                "VN": 3,
                "US": 1,
                "CN": 1,
            }
            assert found["shared_places"] == [
                {"latitude": 21.0, "longitude": 105.8, "scans": 2},
                {"latitude": 22.8, "longitude": 104.9, "scans": 2},
            ]
