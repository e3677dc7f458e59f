"""Measure what docs/scaling.md extrapolates from: the database side of a scan.

    uv run python scripts/bench_db_scale.py [--seconds 10] [--batch 50] [--json]

Starts an embedded PostgreSQL with a streaming standby (pg_basebackup from the wheel) and:

1. seeds the demo data and drives the service's own scan recorder (one transaction per
   flush: each stamp's counters, the clone rules, the scan log; ``synchronous_commit`` on)
   with ``--phones`` concurrent scanners of random stamps for ``--seconds``, and reports
   scans/s, the CPU PostgreSQL spent per scan (so scans per PostgreSQL core-second) and the
   WAL written per scan;
2. samples the standby's replay lag during that load every 50 ms, the way the service
   measures it (the primary's WAL position against the standby's replayed position);
3. runs the same short read transaction (``BEGIN; SELECT … WHERE id = $1; COMMIT``) from
   64 clients directly and through PgBouncer in transaction pooling with 8 server
   connections (when /usr/sbin/pgbouncer exists), and reports the throughput ratio.

Prints a Markdown table (or one JSON object with ``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from traceability.db.embedded import EmbeddedPostgres, EmbeddedStandby
from traceability.db.pool import init_connection
from traceability.db.schema import ensure_schema
from traceability.demo import seed
from traceability.scanning.recorder import ScanEvent, ScanRecorder
from traceability.settings import CloneRules, Settings


def postgres_cpu(pgdata: Path) -> float:
    """CPU seconds used so far by the server of ``pgdata`` and its backends."""
    pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            continue
    return total


async def wal_position(conn: asyncpg.Connection) -> float:
    return float(await conn.fetchval("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"))


async def record_scans(
    url: str, pgdata: Path, standby_url: str, seconds: float, phones: int
) -> dict[str, Any]:
    """The service's own ScanRecorder under load: ``phones`` concurrent scanners."""
    pool = await asyncpg.create_pool(url, min_size=2, max_size=4)
    assert pool is not None
    # A 1,000,000-stamp batch beside the demo's, scanned in order: every scan is a stamp's
    # first (the common case; repeat scans are the clone rules' business, in bench_history).
    batch_id, low = await pool.fetchrow(
        "INSERT INTO stamp_batches (cooperative_id, product_id, lot_id, serials, quantity,"
        " key_id, unit_price_vnd, subsidy_share)"
        " SELECT cooperative_id, product_id, lot_id, int8range(m, m + 1000000), 1000000,"
        " key_id, unit_price_vnd, subsidy_share"
        " FROM stamp_batches, (SELECT max(upper(serials)) AS m FROM stamp_batches) top"
        " ORDER BY id LIMIT 1 RETURNING id, lower(serials)"
    )
    serials = iter(range(low, low + 1000000))
    recorder = ScanRecorder(pool, CloneRules())
    recorder.start()
    watcher = await asyncpg.connect(url)
    replica = await asyncpg.connect(standby_url)
    lags: list[float] = []
    deadline = time.monotonic() + seconds

    async def phone() -> None:
        while time.monotonic() < deadline:
            serial = next(serials)
            await recorder.record(
                ScanEvent(serial, batch_id, datetime.now(UTC), "genuine", "mobile",
                          place_hash=f"{serial % 997:x}")
            )  # fmt: skip

    async def lag_sampler() -> None:
        positions: list[tuple[float, float]] = []
        while time.monotonic() < deadline:
            at = time.monotonic()
            positions.append((at, await wal_position(watcher)))
            replayed = float(
                await replica.fetchval("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')")
            )
            caught_up = next((t for t, p in reversed(positions) if p <= replayed), positions[0][0])
            lags.append(0.0 if caught_up == at else at - caught_up)
            await asyncio.sleep(0.05)

    wal_before = await wal_position(watcher)
    cpu_before = postgres_cpu(pgdata)
    before = recorder.recorded
    started = time.monotonic()
    await asyncio.gather(*(phone() for _ in range(phones)), lag_sampler())
    elapsed = time.monotonic() - started
    cpu = postgres_cpu(pgdata) - cpu_before
    wal = await wal_position(watcher) - wal_before
    scans = recorder.recorded - before
    await recorder.stop()
    disk_per_scan = await watcher.fetchval(
        "SELECT pg_total_relation_size('scans')::float8 / greatest(count(*), 1) FROM scans"
    )
    await pool.close()
    for conn in (watcher, replica):
        await conn.close()
    lags.sort()
    return {
        "scans_recorded_per_s": scans / elapsed,
        "postgres_cpu_us_per_scan": cpu / scans * 1e6,
        "scans_per_postgres_core_s": scans / cpu if cpu else None,
        "wal_bytes_per_scan": wal / scans,
        "scan_log_bytes_on_disk_per_scan": disk_per_scan,
        "replica_lag_p50_ms": lags[len(lags) // 2] * 1000,
        "replica_lag_p99_ms": lags[int(len(lags) * 0.99)] * 1000,
        "replica_lag_max_ms": lags[-1] * 1000,
    }


async def read_throughput(url: str, seconds: float, clients: int = 64) -> float:
    pool = await asyncpg.create_pool(
        url, min_size=clients, max_size=clients, statement_cache_size=0
    )
    assert pool is not None
    done = 0
    deadline = time.monotonic() + seconds

    async def client(i: int) -> None:
        nonlocal done
        while time.monotonic() < deadline:
            async with pool.acquire() as conn, conn.transaction():
                await conn.fetchrow("SELECT id, name FROM api_keys WHERE id = $1", i % 10 + 1)
            done += 1

    started = time.monotonic()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.monotonic() - started
    await pool.close()
    return done / elapsed


def start_pgbouncer(pg: EmbeddedPostgres, home: Path) -> subprocess.Popen[bytes]:
    (home / "users.txt").write_text('"postgres" ""\n')
    (home / "pgbouncer.ini").write_text(
        f"[databases]\n* = host={pg.socket_dir} port=5432 user=postgres\n"
        f"[pgbouncer]\nlisten_addr =\nlisten_port = 6432\nunix_socket_dir = {home}\n"
        f"auth_type = trust\nauth_file = {home}/users.txt\npool_mode = transaction\n"
        f"default_pool_size = 8\nmax_client_conn = 1000\nlogfile = {home}/pgbouncer.log\n"
    )
    if pg.system_user is not None:
        for path in (home, home / "users.txt", home / "pgbouncer.ini"):
            shutil.chown(path, pg.system_user)
    process = subprocess.Popen(
        ["/usr/sbin/pgbouncer", "-q", str(home / "pgbouncer.ini")], user=pg.system_user
    )
    while not (home / ".s.PGSQL.6432").exists():
        time.sleep(0.05)
    return process


async def main_async(args: argparse.Namespace, home: Path) -> dict[str, Any]:
    pg = EmbeddedPostgres(home / "primary" / "pgdata", delete_on_stop=True)
    results: dict[str, Any] = {"phones": args.phones, "seconds": args.seconds}
    standby = None
    bouncer = None
    try:
        conn = await asyncpg.connect(pg.url)
        await ensure_schema(conn)
        await init_connection(conn)
        await seed(conn, Settings(data_dir=home / "data", key_passphrase=b"bench"))
        await conn.execute(
            "INSERT INTO api_keys (name, role, prefix, secret_hash)"
            " SELECT 'k' || i, 'authority', 'tsk_' || i, sha256(i::text::bytea)"
            " FROM generate_series(1, 10) i"
        )
        await conn.close()
        standby = EmbeddedStandby(pg, home / "standby")
        results.update(
            await record_scans(
                pg.url, pg.pgdata, standby.url_for("traceability"), args.seconds, args.phones
            )
        )
        if args.pgbouncer:
            (home / "bouncer").mkdir()
            (home / "bouncer").chmod(0o755)
            bouncer = start_pgbouncer(pg, home / "bouncer")
            pooled_url = f"postgresql://postgres:@/traceability?host={home / 'bouncer'}&port=6432"
            # Interleaved, so that the machine's noise falls on both alike.
            for clients in (1, 64):
                direct = pooled = 0.0
                for _ in range(2):
                    direct += await read_throughput(pg.url, args.seconds / 4, clients)
                    pooled += await read_throughput(pooled_url, args.seconds / 4, clients)
                results[f"read_tx_per_s_direct_{clients}_clients"] = direct / 2
                results[f"read_tx_per_s_pgbouncer_{clients}_clients"] = pooled / 2
                results[f"pgbouncer_ratio_{clients}_clients"] = pooled / direct
    finally:
        if bouncer is not None:
            bouncer.terminate()
            bouncer.wait()
        if standby is not None:
            standby.stop()
        pg.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--phones", type=int, default=256, help="concurrent scanners")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.pgbouncer = Path("/usr/sbin/pgbouncer").exists()
    home = Path(tempfile.mkdtemp(prefix="bench-db-scale-"))
    home.chmod(0o755)
    try:
        results = asyncio.run(main_async(args, home))
    finally:
        shutil.rmtree(home, ignore_errors=True)
    if args.json:
        print(json.dumps(results))
        return
    print("| measure | value |\n|---|---:|")
    for name, value in results.items():
        print(f"| {name} | {value:,.2f} |" if isinstance(value, float) else f"| {name} | {value} |")


if __name__ == "__main__":
    main()
