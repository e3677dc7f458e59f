"""The authority's subsidy pages: approve and reject, payments, budgets, statements."""

from __future__ import annotations

import io
from typing import Any

import asyncpg
import openpyxl
from litestar.testing import AsyncTestClient

from tests.portal.conftest import csrf_of
from tests.world import Registry, order
from traceability import clock


async def _post(client: AsyncTestClient[Any], path: str, page: str, **data: str) -> Any:
    token = csrf_of((await client.get(page)).text)
    return await client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


async def test_an_official_approves_and_rejects_waiting_orders(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    year = clock.today().year
    await db.execute(
        "INSERT INTO subsidy_budgets (cooperative_id, year, budget_vnd) VALUES ($1, $2, 0)",
        registry.cooperative_id,
        year,
    )
    first = await order(client, registry.coop, registry.product_id, 2000)
    second = await order(client, registry.coop, registry.product_id, 4250)
    page = await official.get("/portal/subsidy")
    assert page.status_code == 200
    assert "HTX Anh Tài" in page.text
    assert "4.250" in page.text  # Vietnamese grouping
    assert "892.500" in page.text  # the province's share: 4.250 stamps × 350 ₫ × 60 %

    approved = await _post(
        official, f"/portal/subsidy/orders/{first['id']}/approve", "/portal/subsidy"
    )
    assert approved.status_code == 303
    assert approved.headers["location"].endswith(f"/orders/{first['id']}?done=order_approved")
    # A second click (a refresh of the form's answer) changes nothing.
    again = await _post(
        official, f"/portal/subsidy/orders/{first['id']}/approve", "/portal/subsidy"
    )
    assert again.status_code == 303
    assert await db.fetchval("SELECT count(*) FROM audit_log WHERE action = 'approve'") == 1

    order_page = f"/portal/subsidy/orders/{second['id']}"
    empty = await _post(official, f"{order_page}/reject", order_page, reason="  ")
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.text
    rejected = await _post(
        official, f"{order_page}/reject", order_page, reason="<b>Vượt</b> kinh phí năm 2026"
    )
    assert rejected.status_code == 303
    shown = await official.get(order_page)
    assert "&lt;b&gt;Vượt&lt;/b&gt; kinh phí năm 2026" in shown.text  # escaped, as typed
    states = dict(await db.fetch("SELECT batch_id, decision FROM stamp_order_approvals"))
    assert states == {first["id"]: "approved", second["id"]: "rejected"}


async def test_a_cooperative_cannot_open_the_authoritys_pages(
    web: AsyncTestClient[Any], registry: Registry, make_user: Any
) -> None:
    from tests.portal.conftest import sign_in

    staff = await make_user("cooperative", cooperative_id=registry.cooperative_id)
    await sign_in(web, staff)
    for path in ("/portal/subsidy", "/portal/subsidy/budgets", "/portal/subsidy/statement"):
        assert (await web.get(path)).status_code == 403


async def test_payment_budget_and_statement_download(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 4250)
    page = f"/portal/subsidy/orders/{batch['id']}"
    future = await _post(
        official, f"{page}/payment", page, paid_on="31/12/2999", reference="UNC 12"
    )
    assert future.status_code == 422
    today = clock.today()
    paid = await _post(
        official,
        f"{page}/payment",
        page,
        paid_on=f"{today:%d/%m/%Y}",
        reference="UNC 0012/2026",
    )
    assert paid.status_code == 303
    assert "UNC 0012/2026" in (await official.get(page)).text
    year = today.year
    budget = await _post(
        official,
        f"/portal/subsidy/budgets/{registry.cooperative_id}/{year}",
        "/portal/subsidy/budgets",
        budget_vnd="2.500.000",
    )
    assert budget.status_code == 303
    assert await db.fetchval("SELECT budget_vnd FROM subsidy_budgets") == 2_500_000
    wrong = await _post(
        official,
        f"/portal/subsidy/budgets/{registry.cooperative_id}/{year}",
        "/portal/subsidy/budgets",
        budget_vnd="hai triệu",
    )
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text

    period = f"since={today.replace(day=1):%d/%m/%Y}&until={today:%d/%m/%Y}"
    statement = await official.get(f"/portal/subsidy/statement?{period}")
    assert statement.status_code == 200
    assert "1.487.500" in statement.text
    xlsx = await official.get(f"/portal/subsidy/statement/xlsx?{period}")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    rows = [r for r in book.worksheets[0].iter_rows(min_row=6, values_only=True) if r[0]]
    assert rows[-1][0] == "Tổng cộng"
    assert rows[-1][7] == 1_487_500
    csv = await official.get(f"/portal/subsidy/statement/csv?{period}")
    assert csv.content.startswith(b"\xef\xbb\xbf")
    backwards = await official.get(
        f"/portal/subsidy/statement?since={today:%d/%m/%Y}&until=01/01/2020"
    )
    assert backwards.status_code == 422
