"""The cooperative's dashboard (its ``/portal/`` home): this month's stamps, scans per day
for 90 days, top products, suspicious stamps, and where the scans happen.

Every figure comes from the services the API serves (``scanning.analytics`` reads the
daily rollups, never the scan log), so the page costs the same with a million scans.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from traceability import clock
from traceability.deps import Conn
from traceability.portal.charts import day_bars
from traceability.portal.web import SignedIn, render
from traceability.scanning import analytics, cases
from traceability.stamping import repository as stamps

DAYS = 90
TOP_PRODUCTS = 5
SUSPICIOUS = 5


async def cooperative_dashboard(
    conn: Conn, person: SignedIn, cooperative_id: int, organisation: str | None
) -> Any:
    today = clock.today()
    month_start = today.replace(day=1)
    start, end = clock.day_span(month_start, today)
    ordered, activated = await stamps.month_figures(conn, cooperative_id, start, end)
    month = await analytics.analytics(conn, cooperative_id, month_start, today)
    recent = await analytics.analytics(
        conn, cooperative_id, today - timedelta(days=DAYS - 1), today
    )
    suspicious = await cases.list_suspicious(conn, cooperative_id, None, SUSPICIOUS)
    settings = person.settings
    return render(
        person,
        "dashboard/cooperative.html",
        ordered=ordered,
        activated=activated,
        month=month,
        recent=recent,
        chart=day_bars([(d.day, d.scans) for d in recent.per_day]),
        top_products=recent.per_product[:TOP_PRODUCTS],
        suspicious=suspicious,
        tile_url=settings.map_tile_url,
        tile_attribution=settings.map_tile_attribution,
        organisation=organisation,
    )
