"""Label stocks: the sheets stamps are printed on, in millimetres (no imaging here).

A :class:`LabelStock` is a grid of equal labels on a page: the common A4 label sheets
by name (:data:`STOCKS`) or a custom grid (:func:`custom_grid`), validated so that every
label lies on the page. :func:`choose_stock` is the one parser of the layout choice that
the API, ``traceability stamps download`` and ``python -m stamps render`` share.
"""

from __future__ import annotations

import argparse
import math
import re
from dataclasses import dataclass
from typing import Final

A4: Final = (210.0, 297.0)
MIN_MODULE_MM: Final = 0.40
"""Smallest QR module printed (GS1's minimum for this use is 0.396 mm)."""
SAFE_MARGIN_MM: Final = 2.0
"""Nothing is printed closer than this to a label's cut line (die-cut tolerance)."""
MARK_OFFSET_MM: Final = 1.0
"""Crop marks stop this far from a label corner, so a slightly off cut never shows them."""
GAP_MARK_OFFSET_MM: Final = 0.75
MARK_LENGTH_MM: Final = 4.0
MIN_MARK_MM: Final = 0.5
MAX_PAGE_MM: Final = 600.0
MIN_LABEL_MM: Final = 10.0
MAX_LABELS_PER_PAGE: Final = 400


class LayoutError(ValueError):
    """A layout that cannot be printed; the message says why in the user's numbers."""


def _mm(value: float) -> str:
    """12.0 -> "12", 52.5 -> "52.5" (how people write label sizes)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True, slots=True)
class LabelStock:
    """A page of ``columns`` x ``rows`` equal labels.

    ``margin_mm`` is the page edge to the first label (left, top); ``None`` centres the
    grid. ``gap_mm`` is the space between neighbouring labels (across, down).
    """

    name: str
    title: str
    label_mm: tuple[float, float]
    columns: int
    rows: int
    page_mm: tuple[float, float] = A4
    gap_mm: tuple[float, float] = (0.0, 0.0)
    margin_mm: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        _check_grid(self)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def grid_mm(self) -> tuple[float, float]:
        """Width and height of the whole grid of labels."""
        (w, h), (gx, gy) = self.label_mm, self.gap_mm
        return self.columns * w + (self.columns - 1) * gx, self.rows * h + (self.rows - 1) * gy

    @property
    def first_mm(self) -> tuple[float, float]:
        """Top-left corner of the first label."""
        if self.margin_mm is not None:
            return self.margin_mm
        width, height = self.grid_mm
        return (self.page_mm[0] - width) / 2, (self.page_mm[1] - height) / 2

    def label_origins_mm(self) -> list[tuple[float, float]]:
        """Top-left corner of every label, row by row."""
        left, top = self.first_mm
        step_x = self.label_mm[0] + self.gap_mm[0]
        step_y = self.label_mm[1] + self.gap_mm[1]
        return [
            (left + c * step_x, top + r * step_y)
            for r in range(self.rows)
            for c in range(self.columns)
        ]

    def cuts_mm(self) -> tuple[list[float], list[float]]:
        """x of every vertical cut line and y of every horizontal one, in order."""
        left, top = self.first_mm
        (w, h), (gx, gy) = self.label_mm, self.gap_mm
        xs = sorted(
            {round(left + c * (w + gx) + d, 6) for c in range(self.columns) for d in (0, w)}
        )
        ys = sorted({round(top + r * (h + gy) + d, 6) for r in range(self.rows) for d in (0, h)})
        return xs, ys

    def crop_marks_mm(self) -> list[tuple[float, float, float, float]]:
        """Crop marks: short lines in line with every cut, wherever no label is.

        Every label edge gets its marks in the page margins and, where labels are spaced
        apart, in the gaps beside each label corner. They stop ``MARK_OFFSET_MM`` short of
        the label and are left out where less than ``MIN_MARK_MM`` of room remains (an
        edge-to-edge sheet has no room outside its labels: its die is the cut).
        """
        xs, ys = self.cuts_mm()
        (left, top), (w, h), (gx, gy) = self.first_mm, self.label_mm, self.gap_mm
        page_w, page_h = self.page_mm
        columns = [(left + c * (w + gx), left + c * (w + gx) + w) for c in range(self.columns)]
        rows = [(top + r * (h + gy), top + r * (h + gy) + h) for r in range(self.rows)]
        lines: list[tuple[float, float, float, float]] = []
        for start, end in _free_spans(rows, page_h):
            for a, b in _marks_in(start, end, page_h):
                lines += [(x, a, x, b) for x in xs]
        for start, end in _free_spans(columns, page_w):
            for a, b in _marks_in(start, end, page_w):
                lines += [(a, y, b, y) for y in ys]
        return lines

    def describe(self) -> str:
        w, h = self.label_mm
        return f"{self.columns} × {self.rows} labels of {_mm(w)} × {_mm(h)} mm"


def _free_spans(covered: list[tuple[float, float]], page: float) -> list[tuple[float, float]]:
    """Stretches of the page, along one axis, that no label covers: margins and gaps."""
    edges = [0.0] + [edge for span in covered for edge in span] + [page]
    spans = zip(edges[0::2], edges[1::2], strict=True)
    return [(a, b) for a, b in spans if b - a > 1e-6]


def _marks_in(start: float, end: float, page: float) -> list[tuple[float, float]]:
    """Marks in a free span: in a margin, one beside the labels; in a gap, one in the middle
    (the labels on both sides share the cut it marks)."""
    if start > 1e-6 and end < page - 1e-6:
        room = end - start - 2 * GAP_MARK_OFFSET_MM
        if room < MIN_MARK_MM:
            return []
        middle, half = (start + end) / 2, min(MARK_LENGTH_MM, room) / 2
        return [(middle - half, middle + half)]
    length = min(MARK_LENGTH_MM, end - start - 2 * MARK_OFFSET_MM)
    if length < MIN_MARK_MM:
        return []
    if start > 1e-6:
        return [(start + MARK_OFFSET_MM, start + MARK_OFFSET_MM + length)]
    return [(end - MARK_OFFSET_MM - length, end - MARK_OFFSET_MM)]


def _check_grid(stock: LabelStock) -> None:
    (w, h), (gx, gy), (pw, ph) = stock.label_mm, stock.gap_mm, stock.page_mm
    numbers = (w, h, gx, gy, pw, ph) + (stock.margin_mm or (0.0, 0.0))
    if not all(math.isfinite(n) for n in numbers):
        raise LayoutError("Sizes must be numbers of millimetres.")
    if not (MIN_LABEL_MM <= pw <= MAX_PAGE_MM and MIN_LABEL_MM <= ph <= MAX_PAGE_MM):
        raise LayoutError(
            f"The page must be {_mm(MIN_LABEL_MM)}–{_mm(MAX_PAGE_MM)} mm on each side; "
            f"got {_mm(pw)} × {_mm(ph)} mm."
        )
    if w < MIN_LABEL_MM or h < MIN_LABEL_MM:
        raise LayoutError(
            f"A label must be at least {_mm(MIN_LABEL_MM)} × {_mm(MIN_LABEL_MM)} mm; "
            f"got {_mm(w)} × {_mm(h)} mm."
        )
    if stock.columns < 1 or stock.rows < 1:
        raise LayoutError("A grid needs at least one column and one row.")
    if stock.per_page > MAX_LABELS_PER_PAGE:
        raise LayoutError(f"At most {MAX_LABELS_PER_PAGE} labels fit a page's worth of work.")
    if gx < 0 or gy < 0:
        raise LayoutError("Gaps between labels cannot be negative.")
    if stock.margin_mm is not None and min(stock.margin_mm) < 0:
        raise LayoutError("Page margins cannot be negative.")
    left, top = stock.first_mm
    width, height = stock.grid_mm
    for axis, count, size, gap, start, span, page in (
        ("columns", stock.columns, w, gx, left, width, pw),
        ("rows", stock.rows, h, gy, top, height, ph),
    ):
        if start < -1e-6 or start + span > page + 1e-6:
            where = "across" if axis == "columns" else "down"
            need = f"{count} {axis} of {_mm(size)} mm" + (
                f" with {_mm(gap)} mm gaps" if gap and count > 1 else ""
            )
            margin = f" after a {_mm(start)} mm margin" if stock.margin_mm is not None else ""
            raise LayoutError(
                f"The labels do not fit the page: {need} take {_mm(span)} mm{margin}, "
                f"but the page is {_mm(page)} mm {where}."
            )


def _stock(
    name: str,
    label: tuple[float, float],
    columns: int,
    rows: int,
    *,
    gap: tuple[float, float] = (0.0, 0.0),
    margin: tuple[float, float] | None = None,
    note: str = "",
) -> LabelStock:
    w, h = label
    title = f"A4, {columns * rows} nhãn {_mm(w)} × {_mm(h)} mm ({columns} × {rows}){note}"
    return LabelStock(name, title, label, columns, rows, A4, gap, margin)


STOCKS: Final[dict[str, LabelStock]] = {
    stock.name: stock
    for stock in (
        # Edge to edge across, 0.5 mm top and bottom (e.g. Avery 3474, Herma 4453).
        _stock("a4-70x37", (70.0, 37.0), 3, 8),
        # Avery L7160 and its many equivalents: 7.25 mm sides, 2.5 mm column gaps, 15.15 mm
        # top and bottom.
        _stock("a4-63.5x38.1", (63.5, 38.1), 3, 7, gap=(2.5, 0.0), margin=(7.25, 15.15)),
        # Edge to edge, the A4 cut in 4 x 10 (e.g. Avery 3651).
        _stock("a4-52.5x29.7", (52.5, 29.7), 4, 10),
        # The square labels printed so far, centred on the sheet.
        _stock("a4-35x35", (35.0, 35.0), 5, 8),
    )
}
DEFAULT_STOCK: Final = "a4-35x35"
FALLBACK_STOCKS: Final = ("a4-52.5x29.7", "a4-70x37", "a4-63.5x38.1")
"""When no stock was chosen and the default cannot carry a batch's labels (a GS1 Digital
Link QR with a PIN box), the first of these that can."""

_NUMBER = r"\d{1,4}(?:[.,]\d{1,3})?"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*[x×*]\s*({_NUMBER})\s*(?:mm)?\s*$", re.IGNORECASE)
_GRID = re.compile(r"^\s*(\d{1,3})\s*[x×*]\s*(\d{1,3})\s*$", re.IGNORECASE)


def parse_mm_pair(text: str, what: str) -> tuple[float, float]:
    """ "52.5x29.7", "52,5 × 29,7 mm" -> (52.5, 29.7): width first, either decimal mark."""
    found = _PAIR.match(text)
    if found is None:
        raise LayoutError(
            f"{what} is width × height in millimetres, like 52.5x29.7; got {text[:40]!r}."
        )
    return float(found[1].replace(",", ".")), float(found[2].replace(",", "."))


def parse_grid(text: str) -> tuple[int, int]:
    """ "4x10" -> (4 columns, 10 rows)."""
    found = _GRID.match(text)
    if found is None:
        raise LayoutError(f"grid is columns × rows, like 4x10; got {text[:40]!r}.")
    return int(found[1]), int(found[2])


def custom_grid(
    label_mm: tuple[float, float],
    grid: tuple[int, int],
    gap_mm: tuple[float, float] = (0.0, 0.0),
    margin_mm: tuple[float, float] | None = None,
    page_mm: tuple[float, float] = A4,
) -> LabelStock:
    """A grid of the user's own measurements (validated: every label lies on the page)."""
    columns, rows = grid
    w, h = label_mm
    name = f"custom-{_mm(w)}x{_mm(h)}-{columns}x{rows}"
    title = f"{columns * rows} nhãn {_mm(w)} × {_mm(h)} mm ({columns} × {rows}), tự đặt"
    return LabelStock(name, title, label_mm, columns, rows, page_mm, gap_mm, margin_mm)


def choose_stock(
    stock: str | None = None,
    *,
    label_mm: str | None = None,
    grid: str | None = None,
    gap_mm: str | None = None,
    margin_mm: str | None = None,
    sheet_mm: str | None = None,
) -> LabelStock:
    """The layout a user asked for: a stock by name, or a custom grid (label_mm and grid).

    Nothing given: :data:`DEFAULT_STOCK`. Raises :class:`LayoutError` with a message
    fit to show the user.
    """
    custom = {"label_mm": label_mm, "grid": grid, "gap_mm": gap_mm, "margin_mm": margin_mm}
    custom["sheet_mm"] = sheet_mm
    given = [key for key, value in custom.items() if value is not None]
    if stock is not None:
        if given:
            raise LayoutError(
                f"Choose a stock or a custom grid, not both ({', '.join(given)} given with stock)."
            )
        found = STOCKS.get(stock.strip().lower())
        if found is None:
            raise LayoutError(f"Unknown stock {stock[:40]!r}; known: {', '.join(STOCKS)}.")
        return found
    if not given:
        return STOCKS[DEFAULT_STOCK]
    if label_mm is None or grid is None:
        raise LayoutError("A custom grid needs both label_mm (like 40x30) and grid (like 4x9).")
    return custom_grid(
        parse_mm_pair(label_mm, "label_mm"),
        parse_grid(grid),
        parse_mm_pair(gap_mm, "gap_mm") if gap_mm is not None else (0.0, 0.0),
        parse_mm_pair(margin_mm, "margin_mm") if margin_mm is not None else None,
        parse_mm_pair(sheet_mm, "sheet_mm") if sheet_mm is not None else A4,
    )


LAYOUT_OPTIONS: Final = ("stock", "label_mm", "grid", "gap_mm", "margin_mm", "sheet_mm")
"""The layout choice's names: query parameters of the API, ``--options`` of the commands."""


def add_layout_arguments(parser: argparse.ArgumentParser) -> None:
    """``--stock NAME`` or a custom grid (``--label-mm 40x30 --grid 4x9 …``)."""
    group = parser.add_argument_group(
        "label stock", "a stock by name, or a custom grid in millimetres (width x height)"
    )
    group.add_argument("--stock", help=f"{', '.join(STOCKS)} (default {DEFAULT_STOCK})")
    group.add_argument("--label-mm", help="custom grid: one label, e.g. 40x30")
    group.add_argument("--grid", help="custom grid: columns x rows, e.g. 4x9")
    group.add_argument("--gap-mm", help="custom grid: space between labels, e.g. 2x2")
    group.add_argument("--margin-mm", help="custom grid: left x top margin (default: centred)")
    group.add_argument("--sheet-mm", help="custom grid: page size (default 210x297, A4)")


def layout_choice(args: argparse.Namespace) -> dict[str, str]:
    """The layout options given on a command line, by their API names."""
    return {name: value for name in LAYOUT_OPTIONS if (value := getattr(args, name)) is not None}
