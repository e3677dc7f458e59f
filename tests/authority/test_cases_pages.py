"""The case queue and a case's page: evidence in words, notes and decisions from forms."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import csrf_of
from tests.scanning.helpers import active_batch
from tests.world import Registry

EVIDENCE = {
    "sessions": 3,
    "networks": [11, 22, 33],
    "witnesses": [
        {"s": 1, "n": 11, "t": 1764547200, "c": "VN", "la": 22.8, "lo": 104.9, "lt": 1764547200},
        {"s": 2, "n": 22, "t": 1764550800, "c": "US"},
        {"s": 3, "n": 33, "t": 1764554400, "c": "VN", "la": 10.8, "lo": 106.7, "lt": 1764554400},
    ],
}


async def suspicious(db: asyncpg.Connection, batch: dict[str, Any], offset: int = 0) -> int:
    serial = int(batch["first_serial"]) + offset
    await db.execute(
        "INSERT INTO stamps (serial, batch_id, scan_count, suspicious_at, suspicious_rule,"
        " suspicious_reason, suspicious_evidence) VALUES ($1, $2, 3, now(), 'far_apart',"
        " 'seen 1150 km apart within 2.0 h', $3::jsonb)",
        serial,
        batch["id"],
        EVIDENCE,  # the pool's codec encodes jsonb
    )
    return serial


async def test_the_queue_and_a_case_in_words(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry)
    serial = await suspicious(db, batch)
    queue = await official.get("/portal/cases")
    assert queue.status_code == 200
    assert f"/portal/cases/{serial}" in queue.text
    assert "Quét ở những nơi cách xa nhau trong vài giờ" in queue.text
    page = await official.get(f"/portal/cases/{serial}")
    assert page.status_code == 200
    assert "Cam sành Hà Giang" in page.text
    assert "CS-2024-11" in page.text
    assert "Hoa Kỳ" in page.text  # countries named in the reader's language
    assert "22,8; 104,9" in page.text  # a shared place, written the Vietnamese way

    token = csrf_of(page.text)
    hostile = '<script>alert("x")</script> đã gọi HTX'
    noted = await official.post(
        f"/portal/cases/{serial}/notes",
        data={"body": hostile, "csrf_token": token},
        follow_redirects=False,
    )
    assert noted.status_code == 303
    shown = (await official.get(f"/portal/cases/{serial}")).text
    assert "&lt;script&gt;" in shown
    assert '<script>alert("x")' not in shown

    short = await official.post(
        f"/portal/cases/{serial}/dismiss",
        data={"explanation": "ok", "csrf_token": token},
        follow_redirects=False,
    )
    assert short.status_code == 422
    outside = await official.post(
        f"/portal/cases/{serial}/confirm",
        data={
            "scope": "range",
            "first_serial": str(serial + 1),
            "last_serial": str(serial + 3),
            "reason": "Tem giả",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert outside.status_code == 422
    assert 'aria-invalid="true"' in outside.text
    confirmed = await official.post(
        f"/portal/cases/{serial}/confirm",
        data={
            "scope": "stamp",
            "first_serial": "",
            "last_serial": "",
            "reason": "Tem giả: đã xác nhận bị sao chép",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text
    assert (
        await db.fetchval(
            "SELECT count(*) FROM stamp_revocations WHERE serials @> $1::bigint", serial
        )
        == 1
    )
    # A double click posts again: the page says it is decided, nothing more is revoked.
    again = await official.post(
        f"/portal/cases/{serial}/confirm",
        data={"scope": "stamp", "reason": "Tem giả", "csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 422
    assert "Vụ việc này đã được quyết định" in again.text
    assert await db.fetchval("SELECT count(*) FROM stamp_revocations") == 1
    confirmed_list = await official.get("/portal/cases?status=confirmed")
    assert f"/portal/cases/{serial}" in confirmed_list.text


async def test_dismissing_a_case_clears_the_mark(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry)
    serial = await suspicious(db, batch, offset=1)
    page = await official.get(f"/portal/cases/{serial}")
    dismissed = await official.post(
        f"/portal/cases/{serial}/dismiss",
        data={
            "explanation": "Hộp trưng bày ở hội chợ\nđã gọi HTX",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert dismissed.status_code == 303, dismissed.text
    assert await db.fetchval("SELECT suspicious_at FROM stamps WHERE serial = $1", serial) is None
    shown = (await official.get(f"/portal/cases/{serial}")).text
    assert "Hộp trưng bày ở hội chợ\nđã gọi HTX" in shown
    assert (await official.get("/portal/cases")).text.count(f"/portal/cases/{serial}") == 0


async def test_stamp_numbers_are_written_the_vietnamese_way(
    official: AsyncTestClient[Any],
    client: AsyncTestClient[Any],
    registry: Registry,
    db: asyncpg.Connection,
) -> None:
    batch = await active_batch(client, registry, quantity=2000)
    serial = await suspicious(db, batch, offset=1500)
    shown = f"{serial:,}".replace(",", ".")  # 1.234.567: dots between thousands
    assert "." in shown
    queue = await official.get("/portal/cases")
    assert f"Số {shown}</a>" in queue.text
    assert f"/portal/cases/{serial}" in queue.text  # links keep the plain number
    page = await official.get(f"/portal/cases/{serial}")
    assert f"<h1>Tem số {shown} " in page.text
