"""Benchmark the scan path against a real server on loopback.

    uv run python scripts/bench_scan.py [--duration 10] [--connections 64] [--workers 1]

Starts an embedded PostgreSQL and ``traceability serve``, orders a 1,000,000-stamp batch
through the API (timed), then runs wrk on ``/healthz`` and on ``GET /s/<code>`` for distinct
random stamps of that batch (same server, same settings, same run, both with
``Accept-Encoding: gzip``), counts the scans recorded, and times the print CSV, a PDF and
bulk verification through the API. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import asyncpg
import psutil

from stamps import KeyRing, issue, issue_many, verify
from traceability.accounts.repository import create_key
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.schema import ensure_schema
from traceability.settings import Settings
from traceability.signing import read_key_ring

PASSPHRASE = "bench passphrase"


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


async def seed(url: str) -> tuple[int, str]:
    conn = await asyncpg.connect(url)
    try:
        await ensure_schema(conn)
        coop = await conn.fetchval(
            "INSERT INTO cooperatives (name, tax_code, province, district, commune)"
            " VALUES ('HTX Anh Tài', '5100999999', 'Hà Giang', 'Bắc Quang', 'Vĩnh Hảo')"
            " ON CONFLICT (tax_code) DO UPDATE SET name = excluded.name RETURNING id"
        )
        product = await conn.fetchval(
            "INSERT INTO products (cooperative_id, name_vi, category, ocop_stars)"
            " VALUES ($1, 'Cam sành Hà Giang', 'fruit', 4) RETURNING id",
            coop,
        )
        lot = await conn.fetchval(
            "INSERT INTO lots (product_id, code, harvested_on, quantity, unit, expires_on)"
            " VALUES ($1, 'BENCH-1', current_date, 1000, 'kg', current_date + 30) RETURNING id",
            product,
        )
        await conn.execute(
            "INSERT INTO lot_events (lot_id, kind, occurred_at, place, actor)"
            " VALUES ($1, 'harvest', now(), 'Vĩnh Hảo', 'HTX Anh Tài')",
            lot,
        )
        await conn.execute(
            "INSERT INTO marketplace_listings (product_id, platform, url)"
            " VALUES ($1, 'voso', 'https://voso.vn/cam')",
            product,
        )
        new = await create_key(
            conn, name="bench", role="cooperative", cooperative_id=coop, created_by=None
        )
        return product, new.secret
    finally:
        await conn.close()


THREADS = 2

# Each wrk thread walks its own stride of a file of distinct stamp paths, from an offset
# given after "--": no stamp is scanned twice (unless a run outlasts the file), so the
# figures never measure a cache of recently verified codes. Both endpoints are asked as a
# phone asks, with Accept-Encoding: gzip.
#
# The requests are formatted once, in init, so wrk spends no more per scan request than
# per /healthz request (a fixed request): both share the cores with the server.
SCAN_SCRIPT = """
local requests = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end
function init(args)
  local paths = {}
  for line in io.lines("%(file)s") do paths[#paths + 1] = line end
  local headers = {["Accept-Encoding"] = "gzip"}
  local start = (tonumber(args[1]) or 0) + tid
  for j = start, #paths, %(threads)d do
    requests[#requests + 1] = wrk.format("GET", paths[j], headers)
  end
  i = 0
end
function request()
  i = i %% #requests + 1
  return requests[i]
end
"""


def wrk(
    url: str, duration: int, connections: int, script: Path | None, *args: str
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if script is not None:
        command += ["-s", str(script)]
    else:
        command += ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(
        [*command, url, *(["--", *args] if args else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def number(pattern: str) -> float:
        match = re.search(pattern, out)
        return float(match.group(1)) if match else 0.0

    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    p99 = re.search(r"99%\s+([\d.]+(?:us|ms|s))", out)
    p50 = re.search(r"50%\s+([\d.]+(?:us|ms|s))", out)
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": int(number(r"(\d+) requests in")),
        "non2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
        "errors": sum(
            int(n)
            for n in re.findall(
                r"(?:connect|read|write|timeout) (\d+)",
                (re.search(r"Socket errors:.*", out) or re.search("$", out)).group(0),  # type: ignore[union-attr]
            )
        ),
        "p50_ms": ms(p50.group(1)) if p50 else None,
        "p99_ms": ms(p99.group(1)) if p99 else None,
        "raw": out,
    }


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process, its live children and its reaped ones."""
    root = psutil.Process(pid)
    t = root.cpu_times()
    total = t.user + t.system + t.children_user + t.children_system
    for child in root.children(recursive=True):
        try:
            c = child.cpu_times()
        except psutil.NoSuchProcess:
            continue  # reaped meanwhile: counted in its parent's children_* times
        total += c.user + c.system
    return float(total)


def postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])


def measured(
    server: int, postgres: int, url: str, duration: int, connections: int, *rest: Any
) -> dict[str, Any]:
    """A wrk run with the CPU the server and PostgreSQL spent on it, per request.

    CPU time per request holds on a busy machine where requests per second do not: other
    processes take turns on the cores, but not the server's own work.
    """
    before = tree_cpu(server), tree_cpu(postgres)
    result = wrk(url, duration, connections, *rest)
    after = tree_cpu(server), tree_cpu(postgres)
    n = max(result["requests"], 1)
    result["server_us"] = (after[0] - before[0]) / n * 1e6
    result["postgres_us"] = (after[1] - before[1]) / n * 1e6
    return result


def raw_verify_rate(ring: KeyRing, codes: list[str]) -> float:
    started = time.perf_counter()
    for code in codes:
        verify(code, ring)
    return len(codes) / (time.perf_counter() - started)


def verify_only(
    base: str, key: str, ring: KeyRing, batch: dict[str, Any], rng: random.Random
) -> str:
    """Bulk verify against raw Ed25519 verify, the baseline taken before and after each round."""
    codes = [
        issue(rng.randint(batch["first_serial"], batch["last_serial"]), ring).code
        for _ in range(10_000)
    ]
    public = ring.public_only()
    call(base, "POST", "/api/v1/verify", key, {"codes": codes})  # starts the pool
    lines = []
    for _ in range(3):
        before = raw_verify_rate(public, codes[:3000])
        started = time.perf_counter()
        for _ in range(3):
            _, body, _ = call(base, "POST", "/api/v1/verify", key, {"codes": codes})
            assert json.loads(body)["valid"] == 10_000, body[:200]
        bulk = 3 * len(codes) / (time.perf_counter() - started)
        after = raw_verify_rate(public, codes[:3000])
        single = (before + after) / 2
        cores = os.cpu_count() or 1
        lines.append(
            f"raw verify {single:,.0f}/s (x {cores} = {single * cores:,.0f}/s); "
            f"bulk {bulk:,.0f} codes/s = {bulk / (single * cores):.2f} x all cores"
        )
    return "\n".join(lines)


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--duration", type=int, default=10)
    args.add_argument("--connections", type=int, default=64)
    args.add_argument("--workers", type=int, default=1)
    args.add_argument("--quantity", type=int, default=1_000_000)
    args.add_argument(
        "--codes", type=int, default=200_000, help="distinct stamps the scan run draws from"
    )
    args.add_argument(
        "--only-verify",
        action="store_true",
        help="measure bulk verify alone (raw verify measured before and after, averaged)",
    )
    args.add_argument(
        "--rounds", type=int, default=1, help="alternate /healthz and scan runs this many times"
    )
    args.add_argument(
        "--only-scan", action="store_true", help="measure /healthz against scans, nothing else"
    )
    args.add_argument(
        "--profile", help="write a py-spy profile (raw, collapsed stacks) of the first scan run"
    )
    options = args.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    os.chmod(work, 0o755)
    embedded = EmbeddedPostgres(work / "pgdata", delete_on_stop=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": embedded.url,
        "TRACEABILITY_DATA_DIR": str(work / "data"),
        "TRACEABILITY_KEY_PASSPHRASE": PASSPHRASE,
        "TRACEABILITY_PUBLIC_URL": "https://tem.hagiang.gov.vn",
        "TRACEABILITY_LOG_LEVEL": "WARNING",
        "TRACEABILITY_POOL_MAX_SIZE": "10",
    }
    product, key = asyncio.run(seed(embedded.url))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "traceability.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(options.workers),
        ],
        env=env,
    )
    results: dict[str, Any] = {}
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        status, body, seconds = call(
            base,
            "POST",
            "/api/v1/stamp-batches",
            key,
            {"product_id": product, "quantity": options.quantity},
        )
        assert status == 201, body
        batch = json.loads(body)
        results["issue_seconds"] = seconds
        call(base, "POST", "/api/v1/stamps/activations", key, {"batch_id": batch["id"]})

        settings = Settings(data_dir=work / "data", key_passphrase=PASSPHRASE.encode())
        ring = read_key_ring(settings)
        rng = random.Random(2024)
        if options.only_verify:
            print(verify_only(base, key, ring, batch, rng))
            return 0
        # Distinct random stamps of the whole batch; the first tenth warms up.
        serials = rng.sample(range(batch["first_serial"], batch["last_serial"] + 1), options.codes)
        paths = work / "paths.txt"
        with paths.open("w") as out:
            for stamp in issue_many(serials, ring):
                out.write("/s/" + stamp.code + "\n")
        script = work / "scan.lua"
        script.write_text(SCAN_SCRIPT % {"file": paths, "threads": THREADS})
        wrk(base + "/healthz", 2, options.connections, None)  # warm up
        wrk(base + "/", 2, options.connections, script)
        conn_count = asyncio.run(_count(embedded.url))
        postgres = postmaster_pid(embedded.pgdata)
        warm = options.codes // 10
        stride = (options.codes - warm) // options.rounds
        rounds = []
        for n in range(options.rounds):
            # /healthz and the scans alternate, so both see the same share of the machine.
            healthz = measured(
                server.pid, postgres, base + "/healthz", options.duration, options.connections, None
            )
            spy = None
            if options.profile and n == 0:
                # Samples the server (the thread holding the GIL) while the first scan run lasts.
                spy = subprocess.Popen(
                    [
                        *("py-spy", "record", "--pid", str(server.pid), "--nonblocking", "--gil"),
                        *("--format", "raw", "--rate", "250"),
                        *("--duration", str(options.duration), "--output", options.profile),
                    ],
                    stdout=subprocess.DEVNULL,
                )
            scans = measured(
                server.pid,
                postgres,
                base + "/",
                options.duration,
                options.connections,
                script,
                str(warm + n * stride),
            )
            if spy is not None:
                spy.wait()
            rounds.append((healthz, scans))
        recorded = asyncio.run(_count(embedded.url)) - conn_count
        repeated = await_repeats(embedded.url)
        results.update(rounds=rounds, recorded=recorded, repeated=repeated)
        if options.only_scan:
            return 0

        status, body, seconds = call(
            base, "GET", f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", key
        )
        results["csv"] = (options.quantity, seconds, len(body))
        small = json.loads(
            call(
                base,
                "POST",
                "/api/v1/stamp-batches",
                key,
                {"product_id": product, "quantity": 2000},
            )[1]
        )
        status, body, seconds = call(
            base, "GET", f"/api/v1/stamp-batches/{small['id']}/download?format=pdf", key
        )
        results["pdf"] = (2000, seconds, len(body))

        codes = [
            issue(s, ring).code
            for s in (
                rng.randint(batch["first_serial"], batch["last_serial"]) for _ in range(10_000)
            )
        ]
        public = ring.public_only()
        single = raw_verify_rate(public, codes[:5000])
        call(base, "POST", "/api/v1/verify", key, {"codes": codes})  # starts the pool
        started = time.perf_counter()
        requests = 5
        for _ in range(requests):
            status, body, _ = call(base, "POST", "/api/v1/verify", key, {"codes": codes})
            assert json.loads(body)["valid"] == 10_000
        results["verify"] = (single, requests * len(codes) / (time.perf_counter() - started))
    finally:
        server.terminate()
        server.wait(timeout=30)
        embedded.stop()
        shutil.rmtree(work, ignore_errors=True)
        if "rounds" in results:
            report(results, options)
    return 0


def await_repeats(url: str) -> int:
    return asyncio.run(_repeats(url))


async def _repeats(url: str) -> int:
    """Stamps scanned more than once (0 unless a run outlasts the file of distinct stamps)."""
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM stamps WHERE scan_count > 1"))
    finally:
        await conn.close()


async def _count(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM scans"))
    finally:
        await conn.close()


def report(r: dict[str, Any], options: argparse.Namespace) -> None:
    cores = os.cpu_count() or 1
    print(
        f"\nwrk -t{THREADS} -c{options.connections} -d{options.duration}s, Accept-Encoding: gzip, "
        f"server workers={options.workers}, {cores} cores (wrk, server and PostgreSQL share "
        f"them); scans draw from {options.codes:,} distinct random stamps; "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| round | GET /healthz | GET /s/<code> (random of "
        f"{options.quantity:,}) | scan / healthz req/s | server CPU µs/request healthz → scan"
        " | PostgreSQL CPU µs/scan | scan / healthz by CPU |"
    )
    print("|---|---|---|---|---|---|---|")
    ratios, cpu_ratios = [], []
    for n, (h, s) in enumerate(r["rounds"], 1):
        ratio = s["rps"] / h["rps"]
        # What the throughput ratio would be if the server's own CPU were all that mattered.
        cpu_ratio = h["server_us"] / s["server_us"]
        ratios.append(ratio)
        cpu_ratios.append(cpu_ratio)
        print(
            f"| {n} | {h['rps']:,.0f} req/s, p99 {h['p99_ms']:.1f} ms | {s['rps']:,.0f} req/s, "
            f"p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms, non-2xx {s['non2xx']} | "
            f"{ratio:.2f} | {h['server_us']:.0f} → {s['server_us']:.0f} | "
            f"{s['postgres_us']:.0f} | {cpu_ratio:.2f} |"
        )
    print(
        f"\nscan / healthz: median {statistics.median(ratios):.2f} by req/s (target ≥ 0.5), "
        f"{statistics.median(cpu_ratios):.2f} by server CPU per request"
    )
    served = sum(s["requests"] for _, s in r["rounds"])
    errors = sum(s["errors"] for _, s in r["rounds"])
    print(f"pages served (wrk) / scans recorded: {served:,} / {r['recorded']:,}")
    print(f"socket errors / stamps scanned more than once: {errors} / {r['repeated']:,}\n")
    if "csv" not in r:
        return
    print("| measurement | result |")
    print("|---|---|")
    print(
        f"| issue {options.quantity:,} stamps (POST /api/v1/stamp-batches) | "
        f"{r['issue_seconds'] * 1000:.0f} ms |"
    )
    n, sec, size = r["csv"]
    print(
        f"| print CSV via API ({n:,} stamps, {size / 1e6:.0f} MB) | {sec:.1f} s, "
        f"{n / sec:,.0f} stamps/s |"
    )
    n, sec, size = r["pdf"]
    print(
        f"| print PDF via API ({n:,} stamps, {size / 1e6:.1f} MB) | {sec:.1f} s, "
        f"{n / sec:,.0f} stamps/s |"
    )
    if "verify" not in r:
        return
    single, bulk = r["verify"]
    print(
        f"| raw Ed25519 stamp verify, one core | {single:,.0f}/s (× {cores} = "
        f"{single * cores:,.0f}/s) |"
    )
    print(
        f"| POST /api/v1/verify (10,000 codes a request) | {bulk:,.0f} codes/s = "
        f"{bulk / (single * cores):.2f} × all cores (target ≥ 0.8) |"
    )


if __name__ == "__main__":
    sys.exit(main())
