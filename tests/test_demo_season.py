"""The demo stays fresh: opened in any year, its lots are this season's harvest."""

from __future__ import annotations

from datetime import date

import pytest

from traceability.demo import DEMO, this_season


@pytest.mark.parametrize("today", [date(2024, 11, 25), date(2026, 11, 21), date(2031, 3, 2)])
def test_lots_are_this_seasons_harvest(today: date) -> None:
    for entry in DEMO:
        moved = this_season(entry, today)
        harvested = date.fromisoformat(moved["lot"]["harvested_on"])
        assert harvested <= today
        assert (today - harvested).days < 366
        # Month and day of the crop are kept; the lot code's YYMM follows the year.
        original = date.fromisoformat(entry["lot"]["harvested_on"])
        assert (harvested.month, harvested.day) == (original.month, original.day)
        assert moved["lot"]["code"][2:4] == f"{harvested.year % 100:02d}"
        # Timelines keep their order and their gaps.
        times = [event[1] for event in moved["timeline"]]
        assert times == sorted(times)
        assert times[0].startswith(moved["lot"]["harvested_on"])


def test_cam_sanh_is_not_expired_the_week_after_harvest() -> None:
    (cam_sanh,) = [e for e in DEMO if e["slug"] == "cam_sanh"]
    moved = this_season(cam_sanh, date(2026, 11, 27))
    assert date.fromisoformat(moved["lot"]["expires_on"]) > date(2026, 11, 27)
