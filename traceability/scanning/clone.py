"""Clone detection: when a stamp's scans look like copies of one label on many boxes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from traceability.settings import CloneRules

_EARTH_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Place:
    """Where a stamp was seen: a rounded shared location or a hashed network, and when last."""

    key: str
    latitude: float | None
    longitude: float | None
    last_at: datetime


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


def suspicion(
    rules: CloneRules, scan_count: int, scans_after_pin: int, places: list[Place]
) -> str | None:
    """Why the stamp looks cloned, or None. The first rule that fires is the reason."""
    if scan_count > rules.max_scans:
        return f"scanned {scan_count} times (more than {rules.max_scans})"
    if len(places) > rules.max_places:
        return f"seen in {len(places)} places (more than {rules.max_places})"
    if scans_after_pin > rules.max_scans_after_pin:
        return f"scanned {scans_after_pin} times after its PIN was used"
    located = [p for p in places if p.latitude is not None and p.longitude is not None]
    for i, a in enumerate(located):
        for b in located[i + 1 :]:
            hours = abs((a.last_at - b.last_at).total_seconds()) / 3600
            if hours > rules.far_hours:
                continue
            km = haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
            if km > rules.far_km:
                return f"seen {km:.0f} km apart within {max(hours, 0.1):.1f} h"
    return None
