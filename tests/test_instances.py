"""Several instances on one database, as real processes: changes and keys reach them all."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypedDict

import asyncpg
import httpx
import pytest

from stamps import issue
from tests.instances import Instance, running, service_env
from tests.world import Registry, registry
from traceability.db.embedded import EmbeddedPostgres
from traceability.settings import Settings
from traceability.signing import load_stamp_keys, read_key_ring

__all__ = ["registry"]

pytestmark = pytest.mark.slow


class SlowCache(TypedDict):
    TRACEABILITY_SCAN_CACHE_SECONDS: str


# Without notifications, a change would take this long to show on the other instance.
SLOW_CACHE: SlowCache = {"TRACEABILITY_SCAN_CACHE_SECONDS": "300"}


def _post(instance: Instance, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    answer = httpx.post(instance.url + path, json=body, headers=headers, timeout=60)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def _order(instance: Instance, registry: Registry, quantity: int) -> Any:
    order = {"product_id": registry.product_id, "quantity": quantity}
    return _post(instance, "/api/v1/stamp-batches", order, registry.coop)


def _verdict(instance: Instance, code: str) -> str:
    answer = httpx.get(
        f"{instance.url}/s/{code}", headers={"Accept": "application/json"}, timeout=30
    )
    verdict: str = answer.json()["verdict"]
    return verdict


def _soon(check: Callable[[], bool], seconds: float = 2.0) -> float:
    """How long ``check`` took to hold (it must within ``seconds``)."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, f"not within {seconds} s"
        time.sleep(0.02)
    return time.monotonic() - started


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traceability.cli", *args],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=180,
    )


async def test_activations_and_revocations_reach_every_instance_at_once(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    await asyncio.to_thread(_changes_reach_every_instance, settings, registry, tmp_path)


def _changes_reach_every_instance(settings: Settings, registry: Registry, tmp: Path) -> None:
    with (
        running(settings, tmp, name="a", **SLOW_CACHE) as a,
        running(settings, tmp, name="b", **SLOW_CACHE) as b,
    ):
        ring = read_key_ring(settings)
        batch = _order(a, registry, 10)
        code = issue(batch["first_serial"], ring).code
        assert _verdict(b, code) == "not_activated"  # b caches the batch's ranges
        _post(a, "/api/v1/stamps/activations", {"batch_id": batch["id"]}, registry.coop)
        _soon(lambda: _verdict(b, code) in ("genuine", "genuine_first"))
        serial = batch["first_serial"]
        revocation = {"first_serial": serial, "last_serial": serial, "reason": "nhãn bị mất cắp"}
        _post(a, "/api/v1/stamps/revocations", revocation, registry.coop)
        _soon(lambda: _verdict(b, code) == "revoked")


async def test_a_listener_that_missed_changes_drops_its_caches(
    settings: Settings,
    registry: Registry,
    tmp_path: Path,
    db: asyncpg.Connection,
    pg_server: EmbeddedPostgres,
) -> None:
    database = await db.fetchval("SELECT current_database()")
    admin = await asyncpg.connect(pg_server.url_for("postgres"))

    async def connections(allowed: bool) -> None:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {allowed}')

    async def revoke(serial: int) -> None:
        batch = await db.fetchval(
            "SELECT id FROM stamp_batches WHERE serials @> $1::bigint", serial
        )
        await db.execute(
            "INSERT INTO stamp_revocations (batch_id, serials, reason)"
            " VALUES ($1, int8range($2::bigint, $2::bigint + 1), 'thu hồi')",
            batch,
            serial,
        )

    try:
        # Its pool's connections are all open from the start: it needs no new one.
        with running(
            settings,
            tmp_path,
            **SLOW_CACHE,
            TRACEABILITY_POOL_MIN_SIZE="4",
            TRACEABILITY_POOL_MAX_SIZE="4",
        ) as b:
            ring = read_key_ring(settings)
            batch = _order(b, registry, 10)
            _post(b, "/api/v1/stamps/activations", {"batch_id": batch["id"]}, registry.coop)
            first, second = (issue(batch["first_serial"] + i, ring).code for i in (0, 1))
            assert _verdict(b, first) == "genuine_first"
            # The database drops the listener and takes no new connection for a while: the
            # revocation's notification cannot reach it.
            await connections(False)
            await db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname ="
                " current_database() AND application_name LIKE 'traceability keys=%'"
            )
            await revoke(batch["first_serial"])
            assert await asyncio.to_thread(_verdict, b, first) == "revoked"
            # Back again, it listens again: the next change shows at once.
            await connections(True)
            await asyncio.to_thread(_soon, lambda: _listeners(settings) == 1, 15.0)
            assert await asyncio.to_thread(_verdict, b, second) == "genuine_first"
            await revoke(batch["first_serial"] + 1)
            await asyncio.to_thread(_soon, lambda: _verdict(b, second) == "revoked")
            assert "not hearing about changes" in b.output()
    finally:
        await connections(True)
        await admin.close()


def _listeners(settings: Settings) -> int:
    async def count() -> int:
        conn = await asyncpg.connect(settings.database_url)
        try:
            found: int = await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND application_name LIKE 'traceability keys=%'"
            )
            return found
        finally:
            await conn.close()

    return asyncio.run(count())


async def test_keys_rotate_and_revoke_on_running_instances(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    await asyncio.to_thread(_rotate_on_running_instances, settings, registry, tmp_path)


def _rotate_on_running_instances(settings: Settings, registry: Registry, tmp: Path) -> None:
    with running(settings, tmp, name="a") as a, running(settings, tmp, name="b") as b:
        old = _order(a, registry, 10)
        old_code = issue(old["first_serial"], read_key_ring(settings)).code

        rotated = _cli(settings, "admin", "keys", "rotate")
        assert rotated.returncode == 0, rotated.stderr
        assert "signs new stamps on every running instance (2)" in rotated.stderr
        new_kid = read_key_ring(settings).current_kid
        assert new_kid != old["key_id"]

        # Neither instance was restarted: both sign with the new key, and know it.
        for instance in (a, b):
            batch = _order(instance, registry, 5)
            assert batch["key_id"] == new_kid
            for other in (a, b):
                code = issue(batch["first_serial"], read_key_ring(settings)).code
                assert _verdict(other, code) == "not_activated"
            jwks = httpx.get(instance.url + "/.well-known/jwks.json").json()
            assert {k["kid"] for k in jwks["keys"]} == {old["key_id"], new_kid}

        revoked = _cli(settings, "admin", "keys", "revoke", old["key_id"])
        assert revoked.returncode == 0, revoked.stderr
        for instance in (a, b):
            items = _post(instance, "/api/v1/verify", {"codes": [old_code]}, registry.retailer)
            assert items["items"][0]["reason"] == "revoked_key"
            assert _verdict(instance, old_code) == "not_genuine"


async def test_an_instance_without_the_new_key_holds_the_rotation_back(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    await asyncio.to_thread(_instance_without_the_key, settings, registry, tmp_path)


def _instance_without_the_key(settings: Settings, registry: Registry, tmp: Path) -> None:
    load_stamp_keys(settings, set())
    # b has a copy of the keys folder, made before the rotation (not shared storage).
    lonely = replace(settings, data_dir=tmp / "b-data")
    shutil.copytree(settings.keys_dir, lonely.keys_dir)
    with running(settings, tmp, name="a") as a, running(lonely, tmp, name="b") as b:
        rotated = _cli(settings, "admin", "keys", "rotate", "--wait", "3")
        assert rotated.returncode == 1
        assert "1 of 2 running instances do not have the change yet" in rotated.stderr
        assert f"pid={b.pid}" in rotated.stderr
        ring = read_key_ring(settings)
        pending = ring.kids[-1]
        assert ring.status(pending).value == "pending"
        # A pending key verifies but signs nothing: a keeps signing with the old key.
        batch = _order(a, registry, 5)
        assert batch["key_id"] != pending

        forced = _cli(settings, "admin", "keys", "activate", pending, "--force", "--wait", "1")
        assert forced.returncode == 0, forced.stderr
        batch = _order(a, registry, 5)
        assert batch["key_id"] == pending
        # b cannot print that batch: an error before any byte, not a 200 that breaks off.
        url = f"{b.url}/api/v1/stamp-batches/{batch['id']}/download?format=csv"
        answer = httpx.get(url, headers=registry.coop, timeout=30)
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert pending in answer.json()["detail"]
        assert answer.headers["retry-after"]

        # The folder reaches b (a copy, as rsync would make): b loads it by itself.
        shutil.copytree(settings.keys_dir, lonely.keys_dir, dirs_exist_ok=True)
        _soon(lambda: httpx.get(url, headers=registry.coop, timeout=30).status_code == 200, 10)


async def test_sighup_reloads_a_single_worker_instead_of_ending_it(
    settings: Settings, registry: Registry, tmp_path: Path
) -> None:
    await asyncio.to_thread(_sighup, settings, tmp_path)


def _sighup(settings: Settings, tmp: Path) -> None:
    with running(settings, tmp, TRACEABILITY_LOG_LEVEL="INFO") as service:
        service.signal(signal.SIGHUP)
        _soon(lambda: "SIGHUP: reloading the keys" in service.output(), 10)
        assert service.process.poll() is None
        assert httpx.get(service.url + "/healthz").status_code == 200
