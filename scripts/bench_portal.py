"""Portal budgets: bytes a page costs a phone, and the server's time per page.

    uv run python scripts/bench_portal.py [--requests 200] [--scans 1000000]

Starts an embedded PostgreSQL and ``traceability demo`` (the demo data and people), adds
``--scans`` synthetic scans, then for each portal page measures:

- first load: the page and everything it loads (stylesheet, scripts, fonts from the CSS),
  as compressed bytes on the wire (gzip), with an empty cache;
- a later page: its HTML alone (static files carry a content hash and are cached for good);
- server time: ``--requests`` sequential requests on loopback, p50 and p95, beside
  ``/healthz`` measured in the same run (the machine is shared and noisy).

Budgets (issue 8): first load <= 60 KB, later pages <= 15 KB, p95 < 100 ms. Prints a
Markdown table and exits 1 if a budget is broken.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import asyncpg
import httpx
import pyotp

from traceability.accounts.demo import DEMO_PEOPLE, DEMO_TOTP_SECRET
from traceability.db.embedded import EmbeddedPostgres

FIRST_LOAD_BUDGET = 60 * 1024
LATER_PAGE_BUDGET = 15 * 1024
P95_BUDGET_MS = 100.0
PAGES = {
    None: ["/", "/portal/login"],
    "cooperative": [
        "/portal/",
        "/portal/products",
        "/portal/planting-areas",
        "/portal/lots",
        "/portal/orders",
        "/portal/activate",
        "/portal/stamps",
        "/portal/users",
        "/portal/api-keys",
        "/portal/account",
    ],
    "authority": ["/portal/", "/portal/users"],
}
_ASSET = re.compile(r'(?:<link[^>]+href|<script[^>]+src)="([^"]+)"')
_CSS_URL = re.compile(r'url\("?([^")]+)"?\)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def add_scans(url: str, count: int) -> None:
    """Synthetic scans of the demo batches, spread over 90 days (one INSERT … SELECT)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            """
            INSERT INTO scans (scanned_at, serial, batch_id, verdict, counted, ua_family,
                               session, network)
            SELECT now() - (g % 7776000) * interval '1 second', lower(b.serials) + (g % b.quantity),
                   b.id, 'genuine', true, 'chrome', g % 50000, g % 5000
            FROM generate_series(1, $1) AS g
            JOIN LATERAL (SELECT * FROM stamp_batches ORDER BY id
                          OFFSET (g % (SELECT count(*) FROM stamp_batches)) LIMIT 1) b ON true
            """,
            count,
        )
        await conn.execute("ANALYZE scans")
    finally:
        await conn.close()


def sign_in(client: httpx.Client, role: str) -> None:
    person = next(p for p in DEMO_PEOPLE if p.role == role)
    page = client.get("/portal/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post(
        "/portal/login",
        data={"login": person.login, "password": person.password, "csrf_token": token},
    )
    if answer.url.path == "/portal/second-factor":
        token = re.search(r'name="csrf_token" value="([^"]+)"', answer.text).group(1)  # type: ignore[union-attr]
        client.post(
            "/portal/second-factor",
            data={"code": pyotp.TOTP(DEMO_TOTP_SECRET).now(), "csrf_token": token},
        )
    assert client.get("/portal/").url.path == "/portal/", f"{role} did not sign in"


def first_load(client: httpx.Client, path: str) -> tuple[int, int, list[str]]:
    """(bytes of the HTML, bytes of the page with all it loads, the assets)."""
    page = client.get(path)
    total = page.num_bytes_downloaded
    assets = [a for a in _ASSET.findall(page.text) if a.startswith("/static/")]
    seen: set[str] = set()
    queue = list(assets)
    while queue:
        asset = queue.pop(0)
        if asset in seen:
            continue
        seen.add(asset)
        answer = client.get(asset)
        total += answer.num_bytes_downloaded
        if asset.split("?")[0].endswith(".css"):
            queue += [
                urljoin(asset, u)
                for u in _CSS_URL.findall(answer.text)
                if not u.startswith("data:")
            ]
    return page.num_bytes_downloaded, total, sorted(seen)


def timings(client: httpx.Client, path: str, n: int) -> tuple[float, float]:
    spent = []
    for _ in range(n):
        started = time.perf_counter()
        answer = client.get(path)
        spent.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--scans", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-portal-") as tmp:
        home = Path(tmp)
        home.chmod(0o755)
        pg = EmbeddedPostgres(home / "pgdata", delete_on_stop=True)
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("TRACEABILITY_")},
            "DATABASE_URL": pg.url,
            "TRACEABILITY_DATA_DIR": str(home / "data"),
            "TRACEABILITY_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "traceability.cli", "demo", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            if args.scans:
                started = time.perf_counter()
                asyncio.run(add_scans(pg.url, args.scans))
                print(f"added {args.scans:,} scans in {time.perf_counter() - started:.1f} s")
            return report(base, args.requests, args.scans)
        finally:
            server.terminate()
            server.wait(timeout=30)
            pg.stop()


def report(base: str, n: int, scans: int) -> int:
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "vi"}
    broken = []
    rows = []
    with httpx.Client(base_url=base, headers=headers, follow_redirects=True, timeout=30) as warm:
        healthz = timings(warm, "/healthz", n)
    for role, paths in PAGES.items():
        with httpx.Client(
            base_url=base, headers=headers, follow_redirects=True, timeout=30
        ) as client:
            if role:
                sign_in(client, role)
            for path in paths:
                html, total, _assets = first_load(client, path)
                p50, p95 = timings(client, path, n)
                rows.append((role or "anyone", path, total, html, p50, p95))
                if total > FIRST_LOAD_BUDGET or html > LATER_PAGE_BUDGET or p95 > P95_BUDGET_MS:
                    broken.append(path)
    print(
        f"\n{n} sequential requests per page on loopback; {scans:,} extra scans; "
        f"/healthz p50 {healthz[0]:.1f} ms, p95 {healthz[1]:.1f} ms\n"
    )
    print("| who | page | first load, all assets (gzip) | later page (gzip) | p50 ms | p95 ms |")
    print("|---|---|---:|---:|---:|---:|")
    for who, path, total, html, p50, p95 in rows:
        kb = f"{total / 1024:.1f} KB | {html / 1024:.1f} KB"
        print(f"| {who} | `{path}` | {kb} | {p50:.1f} | {p95:.1f} |")
    print(
        f"\nbudgets: first load <= {FIRST_LOAD_BUDGET // 1024} KB, later <= "
        f"{LATER_PAGE_BUDGET // 1024} KB, p95 < {P95_BUDGET_MS:.0f} ms: "
        + ("all met" if not broken else f"BROKEN on {', '.join(broken)}")
    )
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
