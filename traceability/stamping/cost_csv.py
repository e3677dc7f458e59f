"""Spreadsheet-safe CSV values (UTF-8 BOM, whole đồng, dd/mm/yyyy, no formulas) and the
per-cooperative cost report as Excel reads it. The subsidy statements use the same helpers."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from traceability.stamping.schemas import CostReport

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Value = str | int | Decimal | date | None
TOTAL = "Tổng cộng"


def safe_text(value: str) -> str:
    """Text a spreadsheet shows as typed, never runs (OWASP's CSV injection advice)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_value(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal(1)))
    if isinstance(value, str):
        return safe_text(value)
    return str(value)


def cost_report_csv(report: CostReport) -> bytes:
    """The per-cooperative cost report as Excel reads it: BOM, Vietnamese, whole đồng."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        ["Mã HTX", "Hợp tác xã", "Số đơn", "Số tem", "Thành tiền (₫)", "Tỉnh hỗ trợ (₫)",
         "HTX trả (₫)"]
    )  # fmt: skip
    for line in report.lines:
        row: list[Value] = [
            line.cooperative_id, line.cooperative_name, line.batches, line.stamps,
            line.total_vnd, line.subsidy_vnd, line.cooperative_vnd,
        ]  # fmt: skip
        writer.writerow([csv_value(v) for v in row])
    total: list[Value] = [
        None, TOTAL, sum(line.batches for line in report.lines), report.stamps,
        report.total_vnd, report.subsidy_vnd, report.cooperative_vnd,
    ]  # fmt: skip
    writer.writerow([csv_value(v) for v in total])
    return ("\ufeff" + out.getvalue()).encode()
