"""A statement as files people open in Excel: XLSX with formats and totals, CSV with a BOM.

Both have Vietnamese headers and whole đồng as numbers (never text, never "892500" beside
"1487500.00"), so Excel sums them and shows them the reader's way (1.487.500 in Vietnam).
Text that starts like a formula (=, +, -, @) stays text in both: a cooperative's name is
never run as a formula in an official's spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from traceability import clock
from traceability.stamping.cost_csv import TOTAL, Value, csv_value
from traceability.subsidy.schemas import Statement

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY = '#,##0 "₫"'
COUNT = "#,##0"
DAY = "dd/mm/yyyy"

ORDER_COLUMNS: Sequence[tuple[str, str | None, int]] = (
    # header, number format, width
    ("Số đơn", None, 9),
    ("Ngày đặt", DAY, 12),
    ("Hợp tác xã", None, 34),
    ("Mã số thuế", None, 14),
    ("Sản phẩm", None, 28),
    ("Số tem", COUNT, 11),
    ("Đơn giá (₫)", MONEY, 11),
    ("Thành tiền (₫)", MONEY, 15),
    ("Tỉnh hỗ trợ (₫)", MONEY, 15),
    ("HTX trả (₫)", MONEY, 15),
    ("Ngày HTX nộp", DAY, 13),
    ("Số chứng từ", None, 18),
)
COOPERATIVE_COLUMNS: Sequence[tuple[str, str | None, int]] = (
    ("Hợp tác xã", None, 34),
    ("Mã số thuế", None, 14),
    ("Số đơn", COUNT, 9),
    ("Số tem", COUNT, 12),
    ("Thành tiền (₫)", MONEY, 16),
    ("Tỉnh hỗ trợ (₫)", MONEY, 16),
    ("HTX trả (₫)", MONEY, 16),
    ("HTX đã nộp (₫)", MONEY, 16),
    ("HTX còn phải nộp (₫)", MONEY, 18),
)


def _order_rows(statement: Statement) -> list[list[Value]]:
    return [
        [
            line.batch_id,
            clock.today(line.ordered_at),
            line.cooperative_name,
            line.tax_code,
            line.product_name,
            line.quantity,
            line.unit_price_vnd,
            line.total_vnd,
            line.subsidy_vnd,
            line.cooperative_vnd,
            line.paid_on,
            line.payment_reference,
        ]
        for line in statement.lines
    ]


def _order_total(statement: Statement) -> list[Value]:
    return [
        TOTAL, None, None, None, None, statement.stamps, None, statement.total_vnd,
        statement.subsidy_vnd, statement.cooperative_vnd, None, None,
    ]  # fmt: skip


def _cooperative_rows(statement: Statement) -> list[list[Value]]:
    rows: list[list[Value]] = [
        [
            c.cooperative_name,
            c.tax_code,
            c.orders,
            c.stamps,
            c.total_vnd,
            c.subsidy_vnd,
            c.cooperative_vnd,
            c.paid_vnd,
            c.unpaid_vnd,
        ]
        for c in statement.cooperatives
    ]
    rows.append(
        [
            TOTAL,
            None,
            statement.orders,
            statement.stamps,
            statement.total_vnd,
            statement.subsidy_vnd,
            statement.cooperative_vnd,
            statement.paid_vnd,
            statement.unpaid_vnd,
        ]
    )
    return rows


def _period(statement: Statement) -> str:
    return f"Từ ngày {statement.since:%d/%m/%Y} đến ngày {statement.until:%d/%m/%Y}"


def statement_csv(statement: Statement) -> bytes:
    """One line per order and a total line, UTF-8 with a BOM so Excel reads Vietnamese."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _, _ in ORDER_COLUMNS])
    for row in [*_order_rows(statement), _order_total(statement)]:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode()


def _put(sheet: Worksheet, row: int, column: int, value: Value, fmt: str | None) -> Cell:
    cell = sheet.cell(row=row, column=column)
    assert isinstance(cell, Cell)  # the statement merges no cells
    if isinstance(value, Decimal):
        cell.value = int(value) if value == value.to_integral_value() else float(value)
    else:
        cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    if fmt is not None and value is not None:
        cell.number_format = fmt
    return cell


def _table(
    sheet: Worksheet,
    title: str,
    statement: Statement,
    columns: Sequence[tuple[str, str | None, int]],
    rows: list[list[Value]],
    generated_at: datetime,
) -> None:
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = _period(statement)
    sheet["A3"] = f"Lập lúc {clock.local(generated_at):%H:%M ngày %d/%m/%Y} (giờ Việt Nam)"
    header_row = 5
    fill = PatternFill("solid", fgColor="DDEBF7")
    for index, (header, _, width) in enumerate(columns, start=1):
        cell = _put(sheet, header_row, index, header, None)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, row in enumerate(rows, start=1):
        last = offset == len(rows)
        for index, value in enumerate(row, start=1):
            cell = _put(sheet, header_row + offset, index, value, columns[index - 1][1])
            if last:
                cell.font = Font(bold=True)
    sheet.freeze_panes = f"A{header_row + 1}"
    if len(rows) > 1:
        sheet.auto_filter.ref = (
            f"A{header_row}:{get_column_letter(len(columns))}{header_row + len(rows) - 1}"
        )
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def statement_xlsx(statement: Statement, generated_at: datetime | None = None) -> bytes:
    """Two sheets: every order with the total, and a summary per cooperative."""
    at = generated_at or clock.now()
    book = Workbook()
    orders = book.active
    assert orders is not None
    orders.title = "Bảng kê đơn tem"
    _table(
        orders,
        "Bảng kê chi phí tem truy xuất nguồn gốc",
        statement,
        ORDER_COLUMNS,
        [*_order_rows(statement), _order_total(statement)],
        at,
    )
    summary = book.create_sheet("Tổng hợp theo HTX")
    _table(
        summary,
        "Tổng hợp kinh phí tem theo hợp tác xã",
        statement,
        COOPERATIVE_COLUMNS,
        _cooperative_rows(statement),
        at,
    )
    book.properties.title = "Bảng kê chi phí tem"
    book.properties.creator = "Hệ thống tem truy xuất nguồn gốc Hà Giang"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(statement: Statement, extension: str) -> str:
    return f"bang-ke-tem-{statement.since:%Y%m%d}-{statement.until:%Y%m%d}.{extension}"
