"""The authority's inbox of consumer reports, linked to their stamps' cases."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.authority.test_cases_pages import suspicious
from tests.scanning.helpers import active_batch
from tests.world import Registry

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"


async def test_reports_are_listed_newest_first_and_linked_to_their_case(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry)
    serial = await suspicious(db, batch)
    await db.execute(
        "INSERT INTO consumer_reports (code, serial, batch_id, verdict, problem, bought_at,"
        " phone, photo, language) VALUES ('x', $1, $2, 'suspicious', $3, 'Chợ Đồng Xuân',"
        " '0912 345 678', $4, 'vi')",
        serial,
        batch["id"],
        "Tem bị <b>dán đè</b>\nhộp đã mở",
        JPEG,
    )
    await db.execute(
        "INSERT INTO consumer_reports (code, verdict, problem, language)"
        " VALUES ('https://evil.example/s/123', 'not_genuine', 'Mã lạ', 'en')"
    )
    inbox = await official.get("/portal/reports")
    assert inbox.status_code == 200
    text = inbox.text
    assert text.index("Mã lạ") < text.index("dán đè")  # newest first
    assert "Tem bị &lt;b&gt;dán đè&lt;/b&gt;" in text  # escaped as typed
    assert f'href="/portal/cases/{serial}"' in text
    assert "Cam sành Hà Giang" in text
    assert "không phải tem của tỉnh" in text  # a forged code has no stamp
    only = await official.get("/portal/reports?verdict=not_genuine")
    assert "Mã lạ" in only.text
    assert "dán đè" not in only.text

    report_id = await db.fetchval("SELECT id FROM consumer_reports WHERE serial = $1", serial)
    photo = await official.get(f"/portal/reports/{report_id}/photo")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.content == JPEG
    assert "no-store" in photo.headers["cache-control"]
    case = await official.get(f"/portal/cases/{serial}")
    assert "Chợ Đồng Xuân" in case.text
    assert f"/portal/reports/{report_id}/photo" in case.text


async def test_a_cooperative_cannot_read_the_inbox(
    web: AsyncTestClient[Any], registry: Registry, make_user: Any
) -> None:
    from tests.portal.conftest import sign_in

    staff = await make_user("cooperative", cooperative_id=registry.cooperative_id)
    await sign_in(web, staff)
    assert (await web.get("/portal/reports")).status_code == 403
    assert (await web.get("/portal/reports/1/photo")).status_code == 403
