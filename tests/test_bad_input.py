"""Bad input is a clear 4xx, never a 500, never a surprise (issue 7, "bad input")."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import Registry, order, registry
from traceability.errors import handle_error

__all__ = ["registry"]  # the fixture

HUGE = "9223372036854775808"  # 2**63: one more than PostgreSQL's bigint holds


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/lots/{HUGE}/epcis",
        f"/api/v1/lots/{HUGE}",
        f"/api/v1/products/{HUGE}",
        f"/api/v1/products/{HUGE}/listings",
        f"/api/v1/stamp-batches/{HUGE}",
        f"/api/v1/cooperatives/{HUGE}",
        f"/api/v1/lots?product_id={HUGE}",
        f"/api/v1/stamp-batches?product_id={HUGE}",
        f"/api/v1/products?cooperative_id=-{HUGE}1",
    ],
)
async def test_integers_beyond_64_bits_in_paths_and_queries_are_400(
    client: AsyncTestClient[Any], registry: Registry, path: str
) -> None:
    assert_problem(await client.get(path, headers=registry.coop), 400)


async def test_integers_beyond_64_bits_in_bodies_are_400(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    for path, body in [
        ("/api/v1/stamp-batches", {"product_id": int(HUGE), "quantity": 1}),
        (
            "/api/v1/lots",
            {
                "product_id": int(HUGE),
                "code": "X",
                "harvested_on": "2024-01-01",
                "quantity": 1,
                "unit": "kg",
            },
        ),
        ("/api/v1/stamps/activations", {"batch_id": 10**30}),
    ]:
        assert_problem(await client.post(path, json=body, headers=registry.coop), 400)
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/api-keys",
        "/api/v1/audit",
        "/api/v1/stamp-batches",
        "/api/v1/stamps/suspicious",
        "/api/v1/products",
        "/api/v1/lots?sort=code",
        "/api/v1/users",
        "/api/v1/consumer-reports",
    ],
)
@pytest.mark.parametrize(
    "cursor",
    [
        _cursor(["abc"]),
        _cursor([int(HUGE)]),
        _cursor({"a": 1}),
        _cursor(["id", None, "x"]),
        _cursor(["created_at", "not a time", 1]),
        "!!!",
        _cursor([1.5]),
        "e30",
    ],
)
async def test_a_crafted_cursor_is_400(
    client: AsyncTestClient[Any],
    registry: Registry,
    authority: dict[str, str],
    path: str,
    cursor: str,
) -> None:
    joiner = "&" if "?" in path else "?"
    answer = await client.get(f"{path}{joiner}cursor={cursor}", headers=authority)
    assert_problem(answer, 400)


async def test_numbers_sent_as_strings_order_nothing(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    """{"quantity": "2000"} once ordered a second 2,000-stamp batch the province paid for."""
    answer = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": registry.product_id, "quantity": "2000"},
        headers=registry.coop,
    )
    body = assert_problem(answer, 400)
    assert "quantity" in body["detail"]
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0


@pytest.mark.parametrize(
    "raw",
    [
        b'{"product_id": 1, "quantity": 5, "quantity": 2000}',  # duplicate key
        b'{"product_id": 1, "quantity": NaN}',
        b"[" * 1000 + b"]" * 1000,
        b'{"product_id": 1, "quantity": 5, "lot_id": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        b'{"product_id": 1, "quantity": 5',
        b"\xff\xfe{}",
        b"",
    ],
)
async def test_malformed_json_is_400(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection, raw: bytes
) -> None:
    answer = await client.post(
        "/api/v1/stamp-batches",
        content=raw,
        headers={**registry.coop, "Content-Type": "application/json"},
    )
    assert_problem(answer, 400)
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0


@pytest.mark.parametrize(
    "content_type", [None, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
async def test_an_empty_report_form_is_a_4xx(
    client: AsyncTestClient[Any], db: asyncpg.Connection, content_type: str | None
) -> None:
    """A multipart form is streamed before the handler's connection is taken: reading the
    body again for that connection was a 500 ("stream consumed")."""
    headers = {"Content-Type": content_type} if content_type else {}
    answer = await client.post("/s/not-a-stamp/report", content=b"", headers=headers)
    assert 400 <= answer.status_code < 500, answer.text
    assert await db.fetchval("SELECT count(*) FROM consumer_reports") == 0


async def test_a_15_mb_body_is_413(client: AsyncTestClient[Any], registry: Registry) -> None:
    body = b'{"codes": ["' + b"1" * (15 * 1024 * 1024) + b'"]}'
    answer = await client.post(
        "/api/v1/verify",
        content=body,
        headers={**registry.coop, "Content-Type": "application/json"},
    )
    assert_problem(answer, 413)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
async def test_days_in_year_1_or_9999_are_refused(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str], day: str
) -> None:
    lot = {
        "product_id": registry.product_id,
        "code": "Y1",
        "harvested_on": day,
        "quantity": 1,
        "unit": "kg",
    }
    assert_problem(await client.post("/api/v1/lots", json=lot, headers=registry.coop), 400)
    event = {
        "kind": "packing",
        "occurred_at": f"{day}T08:00:00+07:00",
        "place": "Kho",
        "actor": "HTX",
    }
    answer = await client.post(
        f"/api/v1/lots/{registry.lot_id}/events", json=event, headers=registry.coop
    )
    assert 400 <= answer.status_code < 500, answer.text
    for report in ("/api/v1/stamp-batches/cost-report", "/api/v1/stamps/analytics"):
        answer = await client.get(f"{report}?since={day}&until={day}", headers=authority)
        assert 400 <= answer.status_code < 500, answer.text


async def test_csv_downloads_send_one_content_type(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 3)
    download = await client.get(
        f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", headers=registry.coop
    )
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    report = await client.get("/api/v1/stamp-batches/cost-report?format=csv", headers=authority)
    assert report.headers["content-type"] == "text/csv; charset=utf-8"


async def test_html_pages_name_their_charset_once(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 1)
    from tests.scanning.helpers import path

    stamp = path(client, batch["first_serial"])
    for answer in [
        await client.get(stamp),
        await client.head(stamp),
        await client.post(stamp + "/pin", data={"pin": "0000"}),
        await client.get("/s/not-a-stamp"),
    ]:
        content_type = answer.headers["content-type"]
        assert content_type.count("charset") == 1, (answer.request.url, content_type)


def test_a_failing_request_logs_one_short_line(caplog: pytest.LogCaptureFixture) -> None:
    from litestar import Litestar, Request
    from litestar.types import HTTPScope

    def deep(n: int) -> None:
        if n:
            deep(n - 1)
        raise RuntimeError("boom " + "x" * 5000)

    # Only the keys the error handler reads: a real scope has more.
    scope: HTTPScope = {  # type: ignore[typeddict-item]
        "type": "http",
        "method": "GET",
        "path": "/api/v1/x",
        "query_string": b"",
        "headers": [],
        "app": None,
        "litestar_app": Litestar(logging_config=None),
        "root_path": "",
        "scheme": "http",
        "server": None,
        "path_params": {},
    }
    request: Request[Any, Any, Any] = Request(scope)
    try:
        deep(50)
    except RuntimeError as exc:
        with caplog.at_level(logging.INFO):
            answer = handle_error(request, exc)
    assert answer.status_code == 500
    assert len(caplog.records) == 1
    record = caplog.records[0]
    assert record.exc_info is None
    assert len(record.getMessage()) < 600
    assert "RuntimeError" in record.getMessage()
