"""Charts drawn on the server as SVG: no script, no library, readable at a glance, and a
table of the same numbers beside each (``templates/macros/charts.html``).

Any workspace draws a count per day with ``day_bars([(day, count), ...])`` and the macro
``charts.day_bars(chart, labelled_by, description)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 160
LABEL_ROOM = 56
"""Room the last month's label needs left of the right edge (in the chart's units)."""


@dataclass(frozen=True, slots=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    height: float


@dataclass(frozen=True, slots=True)
class DayBars:
    """A value per day as bars under a round top line."""

    bars: list[Bar]
    top: int
    """The value of the top line: a round number at or above the busiest day."""
    bar_width: float
    months: list[tuple[float, date]]
    """Where each month starts, for the labels under the bars."""
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def peak(self) -> int:
        return max((b.value for b in self.bars), default=0)

    @property
    def middle(self) -> int | None:
        """The middle line's value when it is a whole number (no "0,5 scans")."""
        return self.top // 2 if self.top % 2 == 0 else None


def nice_top(peak: int) -> int:
    """2, 5, 10, 20, 50… at or above ``peak``: a top line a person reads at once."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= max(peak, 2):
                return step * magnitude
        magnitude *= 10


def day_bars(per_day: Sequence[tuple[date, int]]) -> DayBars:
    top = nice_top(max((value for _day, value in per_day), default=0))
    slot = WIDTH / max(len(per_day), 1)
    bars = []
    months = []
    for i, (day, value) in enumerate(per_day):
        height = HEIGHT * value / top
        bars.append(Bar(day, value, i * slot, HEIGHT - height, height))
        starts_month = day.day == 1 or i == 0
        if starts_month and i * slot <= WIDTH - LABEL_ROOM:
            months.append((i * slot, day))
    return DayBars(bars, top, max(slot - 1, 1), months)
