"""Is this instance fit to take traffic? The database answers, takes writes, has our schema."""

from __future__ import annotations

from typing import Any

import asyncpg

from traceability.db.replica import UNAVAILABLE, ReadPools
from traceability.db.schema import latest_version

_PRIMARY_FACTS = (
    "SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on' AS read_only,"
    " (SELECT max(version) FROM schema_version) AS version"
)


async def readiness(pool: asyncpg.Pool, reads: ReadPools | None) -> tuple[bool, dict[str, Any]]:
    """(ready, what was found). Not ready: unreachable, read-only, or another schema version."""
    expected = latest_version()
    report: dict[str, Any] = {"status": "ok", "database": "ok", "schema_version": expected}
    try:
        async with pool.acquire(timeout=2) as conn:
            facts = await conn.fetchrow(_PRIMARY_FACTS, timeout=2)
    except UNAVAILABLE:
        report.update(status="unavailable", database="unreachable", schema_version=None)
        return False, report
    ready = True
    if facts["read_only"]:
        # A standby (or a primary put in read-only mode): scans and writes would all fail.
        report["database"] = "read-only"
        ready = False
    report["schema_version"] = facts["version"]
    if facts["version"] != expected:
        report["expected_schema_version"] = expected
        ready = False
    if reads is not None and reads.replica is not None:
        # A replica that lags or is down does not make the instance unready: its reads go to
        # the primary meanwhile.
        report["replica"] = reads.problem or "ok"
        if reads.lag is not None:
            report["replica_lag_seconds"] = round(reads.lag, 3)
    if not ready:
        report["status"] = "unavailable"
    return ready, report
