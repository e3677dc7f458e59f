"""Keeping the scan log's monthly partitions: made ahead of time, dropped after retention.

The scan log is partitioned by month (UTC), so that a month is written to one small
table with small indexes, a time range reads only its months, and old months leave as a
whole (``DROP TABLE``: no vacuum, no bloat). The service keeps next months' partitions
ready; what lands in the default partition anyway (a clock far off, a missed run) is moved
into its month's partition the next time.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import asyncpg

from traceability.db.sql import queries_beside

Q = queries_beside(__file__)
log = logging.getLogger(__name__)

MONTHS_AHEAD = 2
_LOCK_ID = 0x5CA7_106
_NAME = re.compile(r"^scans_(\d{4})_(\d{2})$")


@dataclass(slots=True)
class Maintenance:
    ensured: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


async def maintain_scan_log(
    conn: asyncpg.Connection, now: datetime, retention_months: int
) -> Maintenance:
    """Ensure this and the next months' partitions; drop those older than the retention.

    Several workers may call this at once: an advisory lock lets one do the work. Each
    change runs with a short lock timeout so that it never stalls scans for long.
    """
    done = Maintenance()
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _LOCK_ID):
        return done
    try:
        this_month = date(now.year, now.month, 1)
        months = {_add_months(this_month, n) for n in range(MONTHS_AHEAD + 1)}
        months |= {m.date() for m in await conn.fetchval(Q["months_in_default"]) or []}
        for month in sorted(months):
            async with conn.transaction():
                await conn.execute("SET LOCAL lock_timeout = '2s'")
                at = datetime(month.year, month.month, 1, tzinfo=UTC)
                done.ensured.append(await conn.fetchval(Q["ensure_partition"], at))
        if retention_months > 0:
            oldest_kept = _add_months(this_month, -retention_months)
            for name in await conn.fetchval(Q["scan_partitions"]) or []:
                match = _NAME.match(name)
                if match and date(int(match[1]), int(match[2]), 1) < oldest_kept:
                    async with conn.transaction():
                        await conn.execute("SET LOCAL lock_timeout = '2s'")
                        # The name comes from the catalogue and matched the pattern above.
                        await conn.execute(f'DROP TABLE "{name}"')
                    done.dropped.append(name)
                    log.info("dropped scan log partition %s (retention)", name)
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return done
