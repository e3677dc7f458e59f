"""How fast a change made on one instance shows on another, with and without notifications.

    uv run python scripts/bench_changes.py [--trials 40]

Starts an embedded PostgreSQL and four instances of ``traceability serve`` on it, sharing
one keys folder: two that hear change notifications (LISTEN/NOTIFY), and two whose
listener lost its connection (``DATABASE_DIRECT_URL`` goes through a relay that is cut once
they have started), which behave as the service did before notifications: each worker
trusts its cache for ``TRACEABILITY_SCAN_CACHE_SECONDS`` (2 s). For each pair, ``--trials``
times: scan a stamp on the second instance (so it caches the batch), revoke the stamp
through the first, and time from the revocation's answer until the second instance's scan
says "revoked". Then times ``admin keys rotate`` with the running instances, until each
signs with the new key, and ``admin keys revoke`` of the old key until a fifth instance,
whose keys folder is a copy made before (another machine), refuses that key's stamps.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    process.terminate()
    process.wait(30)
    raise SystemExit("an instance did not start")


def verdict(base: str, code: str) -> str:
    request = urllib.request.Request(base + "/s/" + code, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
    except urllib.error.HTTPError as error:  # a stamp that is not genuine is a 404
        body = error.read()
    found: str = json.loads(body)["verdict"]
    return found


class Relay:
    """A relay to the embedded PostgreSQL's Unix socket that can be cut, as a network cut
    would."""

    def __init__(self, url: str, home: Path) -> None:
        parts = urlsplit(url)
        sockets = dict(parse_qsl(parts.query))["host"]
        (self._target,) = (p for p in Path(sockets).glob(".s.PGSQL.*") if p.suffix != ".lock")
        home.mkdir()
        self._server = socket.socket(socket.AF_UNIX)
        self._server.bind(str(home / self._target.name))
        self._server.listen()
        self.url = urlunsplit(parts._replace(query=urlencode({"host": str(home)})))
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # cut
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(str(self._target))
            self._sockets += [client, upstream]
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _relay(client: socket.socket, upstream: socket.socket) -> None:
        """Both directions; each socket closed only once neither direction reads it (a
        socket closed under a blocked read would hand its number to the next connection)."""
        back = threading.Thread(target=Relay._pump, args=(upstream, client), daemon=True)
        back.start()
        Relay._pump(client, upstream)
        back.join()
        client.close()
        upstream.close()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            source.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._server.close()
        for end in self._sockets:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


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
    relay = Relay(embedded.url, work / "relay")
    deaf = {"DATABASE_DIRECT_URL": relay.url}
    processes: list[tuple[subprocess.Popen[bytes], str]] = []
    results: dict[str, Any] = {}
    try:
        for extra in ({}, {}, deaf, deaf):
            processes.append(start(env, extra))
        (_, a_url), (_, b_url), (_, c_url), (_, d_url) = processes
        relay.cut()  # c and d stop hearing changes
        time.sleep(1)
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

        # A fifth instance on another machine: its keys folder is a copy, never updated.
        shutil.copytree(work / "data" / "keys", work / "elsewhere" / "keys")
        processes.append(start(env, {"TRACEABILITY_DATA_DIR": str(work / "elsewhere")}))
        e_url = processes[-1][1]
        old_code = codes[-1][1]
        assert verdict(e_url, old_code) != "not_genuine"
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "traceability.cli", "admin", "keys", "revoke", batch["key_id"]],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        revoke_command = time.perf_counter() - started
        done = time.perf_counter()
        while verdict(e_url, old_code) != "not_genuine":
            time.sleep(0.002)
        revoke_elsewhere = time.perf_counter() - done
    finally:
        for process, _ in processes:
            process.terminate()
        for process, _ in processes:
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
    print(
        f"`admin keys revoke` of the old key: {revoke_command:.1f} s for the command; the "
        "instance whose keys folder is an old copy refused the key's stamps "
        f"{revoke_elsewhere * 1000:,.1f} ms after it returned"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
