"""Label stocks and custom grids: geometry, validation, crop marks, the shared parser."""

from __future__ import annotations

import argparse

import pytest

from stamps.layouts import (
    DEFAULT_STOCK,
    MARK_OFFSET_MM,
    STOCKS,
    LabelStock,
    LayoutError,
    add_layout_arguments,
    choose_stock,
    custom_grid,
    layout_choice,
)


def _inside_a_label(stock: LabelStock, x: float, y: float) -> bool:
    w, h = stock.label_mm
    return any(
        left + 1e-6 < x < left + w - 1e-6 and top + 1e-6 < y < top + h - 1e-6
        for left, top in stock.label_origins_mm()
    )


@pytest.mark.parametrize(
    ("name", "label", "grid"),
    [
        ("a4-70x37", (70.0, 37.0), (3, 8)),
        ("a4-63.5x38.1", (63.5, 38.1), (3, 7)),
        ("a4-52.5x29.7", (52.5, 29.7), (4, 10)),
        ("a4-35x35", (35.0, 35.0), (5, 8)),
    ],
)
def test_common_a4_stocks(name: str, label: tuple[float, float], grid: tuple[int, int]) -> None:
    stock = STOCKS[name]
    assert (stock.label_mm, (stock.columns, stock.rows), stock.page_mm) == (
        label,
        grid,
        (210.0, 297.0),
    )
    origins = stock.label_origins_mm()
    assert len(origins) == stock.per_page == grid[0] * grid[1]
    for left, top in origins:
        assert left >= -1e-9
        assert top >= -1e-9
        assert left + label[0] <= 210 + 1e-9
        assert top + label[1] <= 297 + 1e-9
    assert str(grid[0] * grid[1]) in stock.title
    assert "nhãn" in stock.title


def test_avery_l7160_geometry() -> None:
    stock = STOCKS["a4-63.5x38.1"]
    origins = stock.label_origins_mm()
    assert origins[0] == (7.25, 15.15)
    assert origins[1][0] == pytest.approx(7.25 + 63.5 + 2.5)
    # Symmetric: the last label ends as far from the page edge as the first begins.
    assert 210 - (origins[-1][0] + 63.5) == pytest.approx(7.25)
    assert 297 - (origins[-1][1] + 38.1) == pytest.approx(15.15)


def test_crop_marks_lie_outside_every_label_and_mark_every_cut() -> None:
    for stock in [*STOCKS.values(), custom_grid((40, 30), (4, 8), gap_mm=(5, 4))]:
        marks = stock.crop_marks_mm()
        for x0, y0, x1, y1 in marks:
            assert x0 == x1 or y0 == y1
            for t in (0.0, 0.5, 1.0):
                assert not _inside_a_label(stock, x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        xs, ys = stock.cuts_mm()
        if min(stock.first_mm) >= MARK_OFFSET_MM + 1:
            # Room in the margins: every cut line has its marks.
            assert {x0 for x0, _, x1, _ in marks if x0 == x1} == set(xs)
            assert {y0 for _, y0, _, y1 in marks if y0 == y1} == set(ys)


def test_gaps_get_marks_beside_each_label() -> None:
    stock = custom_grid((40, 30), (4, 8), gap_mm=(5, 4))
    marks = stock.crop_marks_mm()
    left, _top = stock.first_mm
    gap_x = left + 40  # the first vertical gap starts here
    in_gap = [m for m in marks if gap_x < m[0] < gap_x + 5 and m[1] == m[3]]
    assert len(in_gap) == 16  # each row's top and bottom cut, 8 rows
    assert not [m for m in STOCKS["a4-52.5x29.7"].crop_marks_mm()]  # edge to edge: no room


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"label_mm": "60x30", "grid": "4x9"}, "4 columns of 60 mm take 240 mm"),
        ({"label_mm": "40x30", "grid": "4x9", "gap_mm": "20x5"}, "with 20 mm gaps take 220"),
        ({"label_mm": "40x30", "grid": "4x9", "margin_mm": "10x30"}, "after a 30 mm margin"),
        ({"label_mm": "40x30", "grid": "4x9", "sheet_mm": "100x100"}, "page is 100 mm across"),
        ({"label_mm": "5x30", "grid": "1x1"}, "at least 10 × 10 mm"),
        ({"label_mm": "40x30"}, "needs both label_mm"),
        ({"grid": "4x9"}, "needs both label_mm"),
        ({"label_mm": "forty", "grid": "4x9"}, "label_mm is width × height"),
        ({"label_mm": "40x30", "grid": "4 by 9"}, "grid is columns × rows"),
        ({"label_mm": "40x30", "grid": "0x9"}, "at least one column"),
        ({"label_mm": "12x12", "grid": "30x30"}, "At most 400 labels"),
        ({"stock": "a4-99x99"}, "Unknown stock"),
        ({"stock": "a4-70x37", "grid": "3x8"}, "not both"),
        ({"label_mm": "40x30", "grid": "4x9", "sheet_mm": "9999x297"}, "page must be"),
    ],
)
def test_bad_layouts_say_why(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(LayoutError, match=message):
        choose_stock(**kwargs)


def test_choose_stock() -> None:
    assert choose_stock() is STOCKS[DEFAULT_STOCK]
    assert choose_stock(" A4-70x37 ") is STOCKS["a4-70x37"]
    # Vietnamese decimal commas, spaces, ×, and a unit are all fine.
    grid = choose_stock(label_mm="52,5 × 29,7 mm", grid="4x10", margin_mm="0x0")
    assert grid.label_mm == (52.5, 29.7)
    assert grid.per_page == 40
    assert grid.first_mm == (0, 0)
    assert grid.name == "custom-52.5x29.7-4x10"
    centred = choose_stock(label_mm="40x30", grid="4x9", gap_mm="2x2")
    assert centred.first_mm == pytest.approx(((210 - 166) / 2, (297 - 286) / 2))


def test_command_line_options_are_the_api_names() -> None:
    parser = argparse.ArgumentParser()
    add_layout_arguments(parser)
    args = parser.parse_args(["--label-mm", "40x30", "--grid", "4x9", "--gap-mm", "2x2"])
    assert layout_choice(args) == {"label_mm": "40x30", "grid": "4x9", "gap_mm": "2x2"}
    assert layout_choice(parser.parse_args(["--stock", "a4-70x37"])) == {"stock": "a4-70x37"}
