"""Analytics from the rollups: per day, product, cooperative, scanning country, places."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.scanning.helpers import FromNetwork, active_batch, app_path
from tests.stamping.registry import Registry, order
from traceability.app import create_app
from traceability.settings import Settings


async def test_analytics_per_tenant(
    settings: Settings, registry: Registry, authority: dict[str, str]
) -> None:
    app = FromNetwork(create_app(settings), "14.160.0.1")
    async with AsyncTestClient(app=app) as client:  # type: ignore[arg-type]
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
