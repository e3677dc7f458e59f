"""Does the cost of a scan or a report grow with history? Measure it on a big one.

    uv run python scripts/bench_history.py [--scans 20000000] [--duration 10] [--json]
                                           [--keep DIR]

Starts an embedded PostgreSQL and ``traceability serve`` (1 worker), with 10 cooperatives,
60 products and 1,000,000 activated stamps ordered through the API. Then, twice — on an
empty history, and after building one of ``--scans`` scans over the last 12 months —
it measures, through the real server with wrk:

- scan throughput and p99 of 20 clients scanning random stamps (typical ones);
- the same with 4 more clients hammering one cloned stamp (scanned 50,000 times in the
  history, marked suspicious), and that stamp's own p99;
- analytics over 30 and 365 days, as the authority (median of 5 requests), over the 364
  days to today (the history's year less its first day: about a month of edge days read
  from the daily rollups), and over both years as the cooperative with most scans.

The history is generated inside PostgreSQL (``generate_series``, one statement per month,
straight into the month's partition): scans per stamp follow a skewed distribution (a few
stamps scanned often, most a few times), 90 % from Vietnamese networks, 5 % with a shared
location, daytime-heavy; each scanned stamp gets its counters and bounded evidence, and
the daily rollups are built from the log, as the recorder would have kept them.

``--keep DIR`` keeps the database (and the service's keys) in ``DIR``; a later run with
the same ``--keep DIR`` and ``--scans`` reuses its history (migrating it to the current
schema) and measures only on it, skipping the slow build and the empty-history run.

``--json`` prints one JSON object: ``hot_p99_ratio`` (the cloned stamp's p99 over the
typical stamps' p99, same run), ``hammered_throughput_ratio`` (random-stamp throughput
with the 4 hammering clients over without), ``analytics_365d_ms``, and the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import SCAN_SCRIPT, THREADS, wrk

from stamps import issue, issue_many
from traceability.accounts.repository import create_key
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.schema import ensure_schema
from traceability.settings import Settings
from traceability.signing import read_key_ring

PASSPHRASE = "bench passphrase"
STAMPS = 1_000_000
COOPERATIVES = 10
PRODUCTS_PER_COOPERATIVE = 6
CLONED_SCANS = 50_000
RANDOM_CLIENTS = 20
HAMMER_CLIENTS = 4

# The cloned stamp, asked as every consumer of a copied label asks: one path, no cookie.
HAMMER_SCRIPT = """
local request_text
function init(args)
  request_text = wrk.format("GET", "%(path)s", {["Accept-Encoding"] = "gzip"})
end
function request()
  return request_text
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(base: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, bytes, float]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {key}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        content = response.read()
        return response.status, content, time.perf_counter() - started


async def seed(url: str) -> tuple[list[tuple[int, int]], str]:
    """Cooperatives and their products (id pairs), and the authority's key."""
    conn = await asyncpg.connect(url)
    try:
        await ensure_schema(conn)
        products = []
        for c in range(COOPERATIVES):
            coop = await conn.fetchval(
                "INSERT INTO cooperatives (name, tax_code, province, district, commune)"
                " VALUES ($1, $2, 'Hà Giang', 'Bắc Quang', 'Vĩnh Hảo') RETURNING id",
                f"HTX bench {c + 1}",
                f"51009{c:05d}",
            )
            for p in range(PRODUCTS_PER_COOPERATIVE):
                product = await conn.fetchval(
                    "INSERT INTO products (cooperative_id, name_vi, category)"
                    " VALUES ($1, $2, 'fruit') RETURNING id",
                    coop,
                    f"Sản phẩm {c + 1}.{p + 1}",
                )
                products.append((product, coop))
        authority = await create_key(
            conn, name="bench authority", role="authority", cooperative_id=None, created_by=None
        )
        return products, authority.secret
    finally:
        await conn.close()


async def cooperative_key(url: str) -> str:
    """A key of the first cooperative, the one with most scans."""
    conn = await asyncpg.connect(url)
    try:
        first = await conn.fetchval("SELECT min(id) FROM cooperatives")
        key = await create_key(
            conn, name="bench cooperative", role="cooperative", cooperative_id=first,
            created_by=None,
        )  # fmt: skip
        return key.secret
    finally:
        await conn.close()


async def build_history(url: str, scans: int, cloned: int, first: int, last: int) -> float:
    """``scans`` scans over the last 12 months, generated in SQL; returns the seconds taken."""
    started = time.perf_counter()
    conn = await asyncpg.connect(url, command_timeout=None)
    try:
        await conn.execute(
            "SET synchronous_commit = off; SET maintenance_work_mem = '512MB';"
            " SET work_mem = '256MB'"
        )
        # The empty-history run's few scans make way for the generated history.
        await conn.execute(
            "TRUNCATE stamps, scans, scan_daily, scan_daily_places, scan_days, scan_monthly,"
            " scan_monthly_places, scan_monthly_cooperative_places CASCADE"
        )
        now = datetime.now(UTC)
        months = [now - timedelta(days=30 * i) for i in range(14)]
        for at in months:
            await conn.execute("SELECT scan_partition_ensure($1)", at)
        # Batches were ordered one after the other: ids 1, 2, … over consecutive ranges.
        batch_size = (last - first + 1) // (COOPERATIVES * PRODUCTS_PER_COOPERATIVE)
        ordinary = scans - CLONED_SCANS
        chunk = 1_000_000
        done = 0
        while done < ordinary:
            n = min(chunk, ordinary - done)
            # A skewed pick of stamps (pow(random(), 3): a few stamps often, most rarely),
            # daytime-heavy times over 365 days, 90 % Vietnamese networks of 200,000, a
            # new session for most scans, 5 % sharing a rounded location in Việt Nam.
            await conn.execute(
                """
                INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family,
                                   session, network, country, latitude, longitude)
                SELECT at, serial, $3::bigint + (serial - $1::bigint) / $4::bigint, 'genuine',
                       random() < 0.9,
                       (ARRAY['zalo', 'chrome', 'safari', 'facebook', 'samsung'])[1 + (g % 5)],
                       (random() * 9e18)::bigint, net,
                       CASE WHEN net % 10 = 0 THEN 'US' WHEN net % 10 = 1 THEN 'CN'
                            ELSE 'VN' END,
                       CASE WHEN g % 20 = 0 THEN round((10 + random() * 13)::numeric, 1) END,
                       CASE WHEN g % 20 = 0 THEN round((103 + random() * 6)::numeric, 1) END
                FROM (
                    SELECT g,
                           $1::bigint
                               + floor(power(random(), 3) * ($2::bigint - $1::bigint))::bigint
                               AS serial,
                           now() - (random() * 365) * interval '1 day'
                                 - (power(random(), 2) * 14) * interval '1 hour' AS at,
                           (random() * 200000)::bigint AS net
                    FROM generate_series(1, $5::int) AS g
                ) s
                """,
                first,
                last,
                1,
                batch_size,
                n,
            )
            done += n
            print(f"  history: {done:,} / {ordinary:,} scans", file=sys.stderr)
        await conn.execute(
            """
            INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family,
                               session, network, country)
            SELECT now() - (random() * 90) * interval '1 day', $1::bigint,
                   1 + ($1::bigint - $2::bigint) / $3::bigint,
                   'suspicious', true, 'zalo', (random() * 9e18)::bigint,
                   (random() * 5000)::bigint, 'VN'
            FROM generate_series(1, $4::int)
            """,
            cloned,
            first,
            batch_size,
            CLONED_SCANS,
        )
        print("  stamps' counters and evidence…", file=sys.stderr)
        await conn.execute(
            """
            INSERT INTO stamps (serial, batch_id, first_scan_at, last_scan_at, scan_count, views,
                                evidence)
            SELECT serial, min(batch_id), min(scanned_at), max(scanned_at),
                   count(*) FILTER (WHERE counted), count(*),
                   jsonb_build_object(
                       'sessions', count(*) FILTER (WHERE counted),
                       'networks', to_jsonb((array_agg(network))[1:8]),
                       'witnesses', (SELECT jsonb_agg(jsonb_build_object(
                                        's', x, 't', 1730000000, 'n', x, 'c', 'VN'))
                                     FROM unnest((array_agg(network))[1:3]) x))
            FROM scans WHERE serial <> $1 GROUP BY serial
            """,
            cloned,
        )
        # The cloned stamp as the recorder leaves it: suspicious, its evidence full.
        witnesses = [
            {"s": i, "t": 1730000000 + i, "n": i % 11, "c": "VN", "la": 21.0, "lo": 105.8}
            for i in range(32)
        ]
        evidence = {"sessions": CLONED_SCANS, "networks": list(range(64)), "witnesses": witnesses}
        await conn.execute(
            """
            INSERT INTO stamps (serial, batch_id, first_scan_at, last_scan_at, scan_count, views,
                                evidence, suspicious_at, suspicious_rule, suspicious_reason,
                                suspicious_evidence)
            SELECT $1, min(batch_id), min(scanned_at), max(scanned_at), count(*), count(*),
                   $2::jsonb, min(scanned_at) + interval '1 day', 'crowd',
                   'scanned in 26 browser sessions from 9 networks (more than 25)', $2::jsonb
            FROM scans WHERE serial = $1
            """,
            cloned,
            json.dumps(evidence),
        )
        print("  daily rollups…", file=sys.stderr)
        await conn.execute(
            """
            INSERT INTO scan_daily (day, cooperative_id, product_id, country, shard, scans,
                                    first_scans, suspicious, views)
            SELECT (s.scanned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, b.cooperative_id,
                   b.product_id, s.country, 0, count(*) FILTER (WHERE s.counted), 0,
                   count(*) FILTER (WHERE s.counted AND s.verdict = 'suspicious'), count(*)
            FROM scans s JOIN stamp_batches b ON b.id = s.batch_id
            GROUP BY 1, 2, 3, 4
            """
        )
        await conn.execute(
            """
            INSERT INTO scan_daily_places (day, cooperative_id, product_id, latitude, longitude,
                                           shard, scans)
            SELECT (s.scanned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, b.cooperative_id,
                   b.product_id, s.latitude, s.longitude, 0, count(*)
            FROM scans s JOIN stamp_batches b ON b.id = s.batch_id
            WHERE s.latitude IS NOT NULL
            GROUP BY 1, 2, 3, 4, 5
            """
        )
        # The coarser rollups: day totals per cooperative, months per product and country,
        # everyone's places per month.
        await conn.execute(
            """
            INSERT INTO scan_days (day, cooperative_id, shard, scans, first_scans, suspicious,
                                   views)
            SELECT day, cooperative_id, 0, sum(scans), sum(first_scans), sum(suspicious),
                   sum(views)
            FROM scan_daily GROUP BY 1, 2;
            INSERT INTO scan_monthly (month, cooperative_id, product_id, country, shard, scans,
                                      first_scans, suspicious, views)
            SELECT date_trunc('month', day)::date, cooperative_id, product_id, country, 0,
                   sum(scans), sum(first_scans), sum(suspicious), sum(views)
            FROM scan_daily GROUP BY 1, 2, 3, 4;
            INSERT INTO scan_monthly_places (month, latitude, longitude, shard, scans)
            SELECT date_trunc('month', day)::date, latitude, longitude, 0, sum(scans)
            FROM scan_daily_places GROUP BY 1, 2, 3;
            INSERT INTO scan_monthly_cooperative_places (cooperative_id, month, latitude,
                                                         longitude, shard, scans)
            SELECT cooperative_id, date_trunc('month', day)::date, latitude, longitude, 0,
                   sum(scans)
            FROM scan_daily_places GROUP BY 1, 2, 3, 4
            """
        )
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
    return time.perf_counter() - started


def analytics_ms(base: str, key: str, days: int) -> float:
    """Median ms of the analytics of the ``days`` days to today."""
    until = datetime.now(UTC).date()
    since = until - timedelta(days=days - 1)
    timings = []
    for _ in range(5):
        status, _, seconds = call(
            base, "GET", f"/api/v1/stamps/analytics?since={since}&until={until}", key
        )
        assert status == 200
        timings.append(seconds * 1000)
    return statistics.median(timings)


def measure(
    base: str,
    key: str,
    random_script: Path,
    hammer_script: Path,
    duration: int,
    cooperative_key: str,
) -> dict[str, Any]:
    wrk(base + "/", 2, RANDOM_CLIENTS, random_script, "0")  # warm up
    alone = wrk(base + "/", duration, RANDOM_CLIENTS, random_script, "5000")
    results: dict[str, Any] = {}

    def hammer() -> None:
        results["hammer"] = wrk(base + "/", duration, HAMMER_CLIENTS, hammer_script)

    thread = threading.Thread(target=hammer)
    thread.start()
    hammered = wrk(base + "/", duration, RANDOM_CLIENTS, random_script, "40000")
    thread.join()
    hot = results["hammer"]
    return {
        "random_alone": _brief(alone),
        "random_hammered": _brief(hammered),
        "cloned_stamp": _brief(hot),
        "hot_p99_ratio": round(hot["p99_ms"] / hammered["p99_ms"], 2),
        "hammered_throughput_ratio": round(hammered["rps"] / alone["rps"], 2),
        "total_throughput_ratio": round((hammered["rps"] + hot["rps"]) / alone["rps"], 2),
        "analytics_30d_ms": round(analytics_ms(base, key, 30), 1),
        "analytics_365d_ms": round(analytics_ms(base, key, 365), 1),
        # The history's year less its first day: its first month is never whole, so about a
        # month of days is read from the daily rollups beside 11 months (the 365 days to
        # today may be 12 whole months, depending on the date of the run).
        "analytics_364d_edges_ms": round(analytics_ms(base, key, 364), 1),
        # The cooperative with most scans (the skew gives the first ~45 % of them).
        "analytics_365d_cooperative_ms": round(analytics_ms(base, cooperative_key, 365), 1),
        "analytics_364d_cooperative_edges_ms": round(analytics_ms(base, cooperative_key, 364), 1),
    }


def _brief(run: dict[str, Any]) -> dict[str, Any]:
    return {k: run[k] for k in ("rps", "p50_ms", "p99_ms", "non2xx", "errors", "requests")}


async def _migrate(url: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await ensure_schema(conn)
    finally:
        await conn.close()


async def _count(url: str, sql: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql))
    finally:
        await conn.close()


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--scans", type=int, default=20_000_000)
    args.add_argument("--duration", type=int, default=10)
    args.add_argument("--json", action="store_true", help="print one JSON object")
    args.add_argument(
        "--keep", type=Path, help="keep the database in this folder; reuse its history next time"
    )
    options = args.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    if options.scans < CLONED_SCANS * 2:
        print(f"--scans must be at least {CLONED_SCANS * 2:,}", file=sys.stderr)
        return 1
    if options.keep is not None:
        work = options.keep.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    os.chmod(work, 0o755)
    built_file = work / "history.json"
    built: dict[str, Any] | None = None
    if options.keep is not None and built_file.exists():
        built = json.loads(built_file.read_text())
        if built["scans"] != options.scans:
            print(f"{work} holds a history of {built['scans']:,} scans", file=sys.stderr)
            return 1
    embedded = EmbeddedPostgres(work / "pgdata", delete_on_stop=options.keep is None)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": embedded.url,
        "TRACEABILITY_DATA_DIR": str(work / "data"),
        "TRACEABILITY_KEY_PASSPHRASE": PASSPHRASE,
        "TRACEABILITY_PUBLIC_URL": "https://tem.hagiang.gov.vn",
        "TRACEABILITY_LOG_LEVEL": "WARNING",
    }
    if built is None:
        products, authority_key = asyncio.run(seed(embedded.url))
    else:
        asyncio.run(_migrate(embedded.url))
        products, authority_key = [], built["authority_key"]
    server = subprocess.Popen(
        [sys.executable, "-m", "traceability.cli", "serve", "--port", str(port)], env=env
    )
    report: dict[str, Any] = {"scans": options.scans, "stamps": STAMPS}
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        if built is None:
            per_batch = STAMPS // len(products)
            batches = []
            for product, cooperative in products:
                order = {
                    "product_id": product,
                    "quantity": per_batch,
                    "cooperative_id": cooperative,
                }
                status, body, _ = call(base, "POST", "/api/v1/stamp-batches", authority_key, order)
                assert status == 201, body
                batch = json.loads(body)
                activation = {"batch_id": batch["id"]}
                call(base, "POST", "/api/v1/stamps/activations", authority_key, activation)
                batches.append(batch)
            first, last = batches[0]["first_serial"], batches[-1]["last_serial"]
            # The cloned stamp: one of the first batch, far from the skewed head of the picks.
            cloned = first + per_batch // 2 + 7
        else:
            first, last, cloned = built["first"], built["last"], built["cloned"]
        coop_key = asyncio.run(cooperative_key(embedded.url))
        settings = Settings(data_dir=work / "data", key_passphrase=PASSPHRASE.encode())
        ring = read_key_ring(settings)
        rng = random.Random(2024)
        serials = rng.sample(range(first, last + 1), 80_000)
        paths = work / "paths.txt"
        with paths.open("w") as out:
            for stamp in issue_many(serials, ring):
                out.write("/s/" + stamp.code + "\n")
        random_script = work / "random.lua"
        random_script.write_text(SCAN_SCRIPT % {"file": paths, "threads": THREADS})
        hammer_script = work / "hammer.lua"
        hammer_script.write_text(HAMMER_SCRIPT % {"path": "/s/" + issue(cloned, ring).code})

        if built is None:
            print("measuring on an empty history…", file=sys.stderr)
            report["empty"] = measure(
                base, authority_key, random_script, hammer_script, options.duration, coop_key
            )
            print(f"building a history of {options.scans:,} scans…", file=sys.stderr)
            report["build_seconds"] = round(
                asyncio.run(build_history(embedded.url, options.scans, cloned, first, last)), 1
            )
            if options.keep is not None:
                built = {
                    "scans": options.scans,
                    "first": first,
                    "last": last,
                    "cloned": cloned,
                    "authority_key": authority_key,
                }
                built_file.write_text(json.dumps(built))
        else:
            print(f"reusing the history of {options.scans:,} scans in {work}", file=sys.stderr)
        report["cloned_stamp_scans"] = asyncio.run(
            _count(embedded.url, f"SELECT count(*) FROM scans WHERE serial = {cloned}")
        )
        print("measuring on the history…", file=sys.stderr)
        history = measure(
            base, authority_key, random_script, hammer_script, options.duration, coop_key
        )
        report["history"] = history
        for name in (
            "hot_p99_ratio",
            "hammered_throughput_ratio",
            "analytics_365d_ms",
            "analytics_364d_edges_ms",
            "analytics_365d_cooperative_ms",
        ):
            report[name] = history[name]
        report["analytics_30d_ms"] = history["analytics_30d_ms"]
    finally:
        server.terminate()
        server.wait(timeout=30)
        embedded.stop()
        if options.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    if options.json:
        print(json.dumps(report))
    else:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
