"""How fast a change made on one instance shows on another, with and without notifications.

    uv run python scripts/bench_changes.py [--trials 40]

Starts an embedded PostgreSQL and four instances of ``traceability serve`` on it, sharing
one keys folder: two that hear change notifications (LISTEN/NOTIFY), and two whose
listener cannot connect (``DATABASE_DIRECT_URL`` points nowhere), which behave as the
service did before notifications: each worker trusts its cache for
``TRACEABILITY_SCAN_CACHE_SECONDS`` (2 s). For each pair, ``--trials`` times: scan a stamp on
the second instance (so it caches the batch), revoke the stamp through the first, and
time from the revocation's answer until the second instance's scan says "revoked". Then
times ``admin keys rotate`` with the running instances, until each signs with the new key.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_scan import PASSPHRASE, call, free_port, seed

from stamps import issue
from traceability.db.embedded import EmbeddedPostgres
from traceability.settings import Settings
from traceability.signing import read_key_ring


def start(env: dict[str, str], extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "traceability.cli", "serve", "--port", str(port)],
        env={**env, **extra},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            return process, base
        except OSError:
            time.sleep(0.1)
    raise SystemExit("an instance did not start")


def verdict(base: str, code: str) -> str:
    request = urllib.request.Request(base + "/s/" + code, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        found: str = json.loads(response.read())["verdict"]
        return found


def propagation(first: str, second: str, key: str, codes: list[tuple[int, str]]) -> list[float]:
    """Seconds from a revocation's answer on ``first`` until ``second`` shows it."""
    seconds = []
    for serial, code in codes:
        verdict(second, code)  # cached on the second instance now
        call(first, "POST", "/api/v1/stamps/revocations", key,
             {"first_serial": serial, "last_serial": serial, "reason": "bench"})  # fmt: skip
        done = time.perf_counter()
        while verdict(second, code) != "revoked":
            time.sleep(0.002)
        seconds.append(time.perf_counter() - done)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-changes-"))
    os.chmod(work, 0o755)
    embedded = EmbeddedPostgres(work / "pgdata", delete_on_stop=True)
    env = {
        **os.environ,
        "DATABASE_URL": embedded.url,
        "TRACEABILITY_DATA_DIR": str(work / "data"),
        "TRACEABILITY_KEY_PASSPHRASE": PASSPHRASE,
        "TRACEABILITY_LOG_LEVEL": "ERROR",
    }
    product, key = asyncio.run(seed(embedded.url))
    deaf = {"DATABASE_DIRECT_URL": f"postgresql://nobody@127.0.0.1:{free_port()}/none"}
    processes = []
    results: dict[str, Any] = {}
    try:
        a, a_url = start(env, {})
        processes.append(a)
        b, b_url = start(env, {})
        c, c_url = start(env, deaf)
        d, d_url = start(env, deaf)
        processes += [b, c, d]
        _, body, _ = call(a_url, "POST", "/api/v1/stamp-batches", key,
                          {"product_id": product, "quantity": 4 * options.trials})  # fmt: skip
        batch = json.loads(body)
        call(a_url, "POST", "/api/v1/stamps/activations", key, {"batch_id": batch["id"]})
        ring = read_key_ring(Settings(data_dir=work / "data", key_passphrase=PASSPHRASE.encode()))
        serials = range(batch["first_serial"], batch["first_serial"] + 2 * options.trials)
        codes = [(s, issue(s, ring).code) for s in serials]
        results["notified"] = propagation(a_url, b_url, key, codes[: options.trials])
        results["ttl"] = propagation(c_url, d_url, key, codes[options.trials :])

        started = time.perf_counter()
        rotated = subprocess.run(
            [sys.executable, "-m", "traceability.cli", "admin", "keys", "rotate"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        rotate_seconds = time.perf_counter() - started
        new = read_key_ring(Settings(data_dir=work / "data", key_passphrase=PASSPHRASE.encode()))
        _, body, _ = call(b_url, "POST", "/api/v1/stamp-batches", key,
                          {"product_id": product, "quantity": 1})  # fmt: skip
        assert json.loads(body)["key_id"] == new.current_kid, rotated.stderr
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
        embedded.stop()

    def row(name: str, values: list[float]) -> str:
        ordered = sorted(values)
        return (
            f"| {name} | {statistics.median(ordered) * 1000:,.1f} | "
            f"{ordered[int(len(ordered) * 0.9) - 1] * 1000:,.1f} | {ordered[-1] * 1000:,.1f} |"
        )

    print(f"Revocation on one instance until another shows it ({options.trials} trials, ms):\n")
    print("| instances | median | p90 | max |\n|---|---|---|---|")
    print(row("LISTEN/NOTIFY", results["notified"]))
    print(row("cache TTL only (before)", results["ttl"]))
    ratio = statistics.median(results["notified"]) / statistics.median(results["ttl"])
    print(f"\nmedian ratio notified / TTL only: {ratio:.3f}")
    print(
        f"`admin keys rotate` with two listening instances: {rotate_seconds:.1f} s "
        "(pending, every instance confirmed, activated, confirmed), including the command's "
        "own start"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
