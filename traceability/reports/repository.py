"""Consumer reports in the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from traceability.db.sql import queries_beside
from traceability.reports.schemas import ConsumerReport, NewReport

Q = queries_beside(__file__)


async def insert(conn: asyncpg.Connection, report: NewReport) -> int:
    report_id: int = await conn.fetchval(
        Q["insert_report"],
        report.code,
        report.serial,
        report.batch_id,
        report.verdict,
        report.reason,
        report.problem,
        report.bought_at,
        report.phone,
        report.photo,
        report.language,
        report.client_hash,
    )
    return report_id


async def lock_network(conn: asyncpg.Connection, client_hash: str | None) -> None:
    """Until the transaction ends, other reports from this network wait (exact rate limit)."""
    await conn.execute(Q["lock_network"], client_hash or "")


async def same_report(conn: asyncpg.Connection, report: NewReport) -> int | None:
    found: int | None = await conn.fetchval(
        Q["same_report"], report.client_hash, report.code, report.problem
    )
    return found


async def recent_from(
    conn: asyncpg.Connection, client_hash: str | None, window: timedelta
) -> tuple[int, datetime | None]:
    row = await conn.fetchrow(Q["recent_from"], client_hash, window)
    return row["reports"], row["oldest"]


async def list_reports(
    conn: asyncpg.Connection,
    *,
    after: int | None,
    limit: int,
    serial: int | None = None,
    verdict: str | None = None,
    report_id: int | None = None,
) -> list[ConsumerReport]:
    rows = await conn.fetch(Q["list_reports"], after, serial, verdict, report_id, limit)
    return [_report(r) for r in rows]


def _report(row: Any) -> ConsumerReport:
    values = dict(row)
    has_photo = values.pop("has_photo")
    url = f"/api/v1/consumer-reports/{values['id']}/photo" if has_photo else None
    return ConsumerReport(**values, photo_url=url)


async def photo(conn: asyncpg.Connection, report_id: int) -> bytes | None:
    found: bytes | None = await conn.fetchval(Q["report_photo"], report_id)
    return found
