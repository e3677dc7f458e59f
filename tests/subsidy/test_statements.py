"""Payments of the cooperative's share, and statements people open in Excel."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import openpyxl
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.subsidy.test_approval import set_budget
from tests.world import Registry, order
from traceability import clock


async def test_marking_the_cooperatives_share_paid(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 4250)
    url = f"/api/v1/stamp-batches/{batch['id']}/payment"
    today = clock.today()
    payment = {"paid_on": today.isoformat(), "reference": "UNC 0012/2026"}
    assert_problem(await client.put(url, json=payment, headers=registry.coop), 403)
    future = {**payment, "paid_on": (today + timedelta(days=1)).isoformat()}
    assert (
        assert_problem(await client.put(url, json=future, headers=authority), 422)["field"]
        == "paid_on"
    )
    before = {**payment, "paid_on": (today - timedelta(days=40)).isoformat()}
    assert_problem(await client.put(url, json=before, headers=authority), 422)
    paid = await client.put(url, json=payment, headers=authority)
    assert paid.status_code == 200, paid.text
    assert paid.json()["paid_on"] == today.isoformat()
    assert paid.json()["payment_reference"] == "UNC 0012/2026"
    # The amount is the cooperative's 40 %: 4,250 × 350 × 0.4.
    assert await db.fetchval("SELECT amount_vnd FROM stamp_order_payments") == Decimal(595_000)
    cleared = await client.delete(url, headers=authority)
    assert cleared.status_code == 200
    assert cleared.json()["paid_on"] is None
    actions = await db.fetch(
        "SELECT action FROM audit_log WHERE entity = 'stamp_batch' ORDER BY id"
    )
    assert [a["action"] for a in actions] == ["create", "record_payment", "clear_payment"]


async def test_an_order_waiting_for_approval_has_no_share_to_pay(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await set_budget(client, authority, registry.cooperative_id, 0)
    batch = await order(client, registry.coop, registry.product_id, 10)
    answer = await client.put(
        f"/api/v1/stamp-batches/{batch['id']}/payment",
        json={"paid_on": clock.today().isoformat(), "reference": "UNC 1"},
        headers=authority,
    )
    assert_problem(answer, 409)


async def _orders(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    a = await order(client, registry.coop, registry.product_id, 4250)  # 1.487.500 ₫
    await order(client, registry.coop, registry.product_id, 3)
    await order(client, registry.other_coop, registry.other_product_id, 2000)
    await client.put(
        f"/api/v1/stamp-batches/{a['id']}/payment",
        json={"paid_on": clock.today().isoformat(), "reference": "UNC 7"},
        headers=authority,
    )


async def test_statement_totals_in_json(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await _orders(client, registry, authority)
    statement = (await client.get("/api/v1/subsidy/statement", headers=authority)).json()
    assert statement["orders"] == 3
    assert statement["stamps"] == 6253
    assert Decimal(statement["total_vnd"]) == Decimal(6253 * 350)
    assert Decimal(statement["subsidy_vnd"]) + Decimal(statement["cooperative_vnd"]) == Decimal(
        6253 * 350
    )
    assert Decimal(statement["paid_vnd"]) == Decimal(595_000)
    by_coop = {c["cooperative_id"]: c for c in statement["cooperatives"]}
    assert by_coop[registry.cooperative_id]["orders"] == 2
    assert Decimal(by_coop[registry.cooperative_id]["unpaid_vnd"]) == Decimal(420)  # 3 stamps
    own = (await client.get("/api/v1/subsidy/statement", headers=registry.coop)).json()
    assert {line["cooperative_id"] for line in own["lines"]} == {registry.cooperative_id}
    # Another cooperative's statement is not found for a cooperative.
    assert_problem(
        await client.get(
            f"/api/v1/subsidy/statement?cooperative_id={registry.other_cooperative_id}",
            headers=registry.coop,
        ),
        404,
    )
    # A period that ends before it begins says so.
    today = clock.today()
    backwards = await client.get(
        f"/api/v1/subsidy/statement?since={today}&until={today - timedelta(days=1)}",
        headers=authority,
    )
    assert assert_problem(backwards, 422)["field"] == "until"
    # Orders of another period are not in it.
    earlier = await client.get(
        "/api/v1/subsidy/statement?since=2020-01-01&until=2020-12-31", headers=authority
    )
    assert earlier.json()["orders"] == 0


async def test_statement_csv_opens_in_excel_as_vietnamese(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    await _orders(client, registry, authority)
    answer = await client.get("/api/v1/subsidy/statement?format=csv", headers=authority)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Số đơn", "Ngày đặt", "Hợp tác xã"]
    first = next(r for r in rows if r[5] == "4250")
    # Whole đồng everywhere: never "892500" beside "1487500.00".
    assert first[6:10] == ["350", "1487500", "892500", "595000"]
    assert first[1] == f"{clock.today():%d/%m/%Y}"
    assert first[10] == f"{clock.today():%d/%m/%Y}"
    assert first[11] == "UNC 7"
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][5] == "6253"
    assert int(rows[-1][7]) == sum(int(r[7]) for r in rows[1:-1])


async def test_statement_xlsx_has_formats_and_totals(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    # A name that starts like a formula must stay text in the official's spreadsheet.
    await db.execute(
        'UPDATE cooperatives SET name = \'=HYPERLINK("https://evil.example","Bấm")\' WHERE id = $1',
        registry.other_cooperative_id,
    )
    await _orders(client, registry, authority)
    answer = await client.get("/api/v1/subsidy/statement?format=xlsx", headers=authority)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["Bảng kê đơn tem", "Tổng hợp theo HTX"]
    orders = book["Bảng kê đơn tem"]
    header = [c.value for c in orders[5]]
    assert header[:3] == ["Số đơn", "Ngày đặt", "Hợp tác xã"]
    lines = [row for row in orders.iter_rows(min_row=6, values_only=True) if row[0] is not None]
    total = lines[-1]
    assert total[0] == "Tổng cộng"
    body = lines[:-1]
    assert len(body) == 3
    assert whole(total[5]) == sum(whole(r[5]) for r in body) == 6253
    assert whole(total[7]) == sum(whole(r[7]) for r in body) == 6253 * 350
    assert whole(total[8]) + whole(total[9]) == total[7]
    assert all(isinstance(r[7], int) for r in body)  # numbers, not text
    money = orders.cell(row=6, column=8)
    assert money.number_format == '#,##0 "₫"'
    assert orders.cell(row=6, column=2).number_format == "dd/mm/yyyy"
    hostile = [r for r in body if str(r[2]).startswith("=HYPERLINK")]
    assert hostile
    names = [orders.cell(row=i, column=3) for i in range(6, 6 + len(body))]
    assert all(cell.data_type == "s" for cell in names)  # text, never a formula
    summary = book["Tổng hợp theo HTX"]
    rows = [r for r in summary.iter_rows(min_row=6, values_only=True) if r[0] is not None]
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][4] == 6253 * 350
    assert rows[-1][7] == 595_000  # paid
    assert whole(rows[-1][7]) + whole(rows[-1][8]) == rows[-1][6]


def whole(value: object) -> int:
    """A spreadsheet cell's value as a whole number of dong or stamps (never text or a float)."""
    assert isinstance(value, int), value
    assert not isinstance(value, bool), value
    return value
