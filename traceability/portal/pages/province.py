"""The authority's home (``/portal/``): the province at a glance. This year's stamps ordered,
activated and subsidised, what waits for a decision, scans per day for 90 days, per product,
per cooperative and per country, and the places buyers shared (a map when a tile server is
set, always a list).

The chart and the map are the cooperative dashboard's (``portal/charts.py``,
``macros/charts.html``, ``static/scan-map.js``); every figure comes from the services the
API serves (``scanning.analytics`` reads the daily rollups, never the scan log).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from traceability import clock
from traceability.cases import service as cases
from traceability.deps import Conn
from traceability.portal.charts import day_bars
from traceability.portal.web import SignedIn, render
from traceability.scanning import analytics
from traceability.subsidy import service as subsidy

DAYS = 90
TOP = 10


async def province_dashboard(conn: Conn, person: SignedIn) -> Any:
    today = clock.today()
    recent = await analytics.analytics(conn, None, today - timedelta(days=DAYS - 1), today)
    settings = person.settings
    return render(
        person,
        "dashboard/province.html",
        year=await subsidy.year_figures(conn, today.year),
        open_cases=await cases.open_count(conn),
        recent=recent,
        chart=day_bars([(d.day, d.scans) for d in recent.per_day]),
        products=recent.per_product[:TOP],
        cooperatives=recent.per_cooperative[:TOP],
        tile_url=settings.map_tile_url,
        tile_attribution=settings.map_tile_attribution,
    )
