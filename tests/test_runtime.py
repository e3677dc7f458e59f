"""A worker's runtime: the key ring follows the keys folder while the worker runs."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from stamps import KeyStatus, issue
from tests.instances import service_env
from tests.world import Registry, order, registry
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.settings import Settings
from traceability.signing import change_key_ring, load_stamp_keys, read_key_ring

__all__ = ["registry"]


async def _until(check: Callable[[], bool], seconds: float = 6.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not within {seconds} s")


async def test_a_worker_follows_the_keys_folder_but_never_an_older_copy_of_it(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_app(settings)
    async with AsyncTestClient(app=app) as client:
        runtime = runtime_of(app)
        first = runtime.keys.ring.current_kid
        before = tmp_path / "keys-before"
        shutil.copytree(settings.keys_dir, before)

        # Changed on disk, no notification (copied by other means): seen within seconds.
        second = change_key_ring(settings, "rotate").current_kid
        await _until(lambda: runtime.keys.ring.current_kid == second)
        jwks: Any = (await client.get("/.well-known/jwks.json")).json()
        assert {k["kid"] for k in jwks["keys"]} == {first, second}
        change_key_ring(settings, "revoke", first)
        await _until(lambda: runtime.keys.ring.status(first) is KeyStatus.REVOKED)

        # An old copy of the folder comes back (a restore, a stale sync): not a change.
        for name in ("keyring.json", f"{first}.pem"):
            (settings.keys_dir / name).unlink()
            shutil.copy(before / name, settings.keys_dir / name)
        await asyncio.sleep(3)  # more than the worker's look at the folder
        assert runtime.keys.ring.status(first) is KeyStatus.REVOKED
        assert runtime.keys.ring.current_kid == second


async def test_a_revocation_reaches_an_instance_whose_keys_folder_is_an_old_copy(
    settings: Settings, registry: Registry, tmp_path: Path, db: asyncpg.Connection
) -> None:
    load_stamp_keys(settings, set())
    # b runs on another machine: its keys folder is a copy, and the revocation never reaches it.
    lonely = replace(settings, data_dir=tmp_path / "b-data")
    shutil.copytree(settings.keys_dir, lonely.keys_dir)
    a_app, b_app = create_app(settings), create_app(lonely)
    async with AsyncTestClient(app=a_app) as a, AsyncTestClient(app=b_app) as b:
        batch = await order(a, registry.coop, registry.product_id, 3)
        kid = batch["key_id"]
        code = issue(batch["first_serial"], read_key_ring(settings)).code
        assert await _reason(b, registry, code) == "not_activated"
        await _until_listening(db, 2)

        revoked = await asyncio.to_thread(_cli, settings, "admin", "keys", "revoke", kid)
        assert revoked.returncode == 0, revoked.stderr
        assert read_key_ring(lonely).status(kid) is KeyStatus.ACTIVE  # b's folder says so
        await _until(lambda: runtime_of(b_app).keys.ring.status(kid) is KeyStatus.REVOKED, 5)
        assert await _reason(b, registry, code) == "revoked_key"
        scan = await b.get(f"/s/{code}", headers={"Accept": "application/json"})
        assert scan.json()["verdict"] == "not_genuine"
        # No key signs on b now: orders there wait instead of signing with a revoked key.
        refused = await b.post(
            "/api/v1/stamp-batches",
            json={"product_id": registry.product_id, "quantity": 1},
            headers=registry.coop,
        )
        assert refused.status_code == 503

    # Started again with the same old folder, b still refuses the key.
    async with AsyncTestClient(app=create_app(lonely)) as b:
        assert await _reason(b, registry, code) == "revoked_key"


async def _until_listening(db: asyncpg.Connection, workers: int) -> None:
    for _ in range(200):
        listening = await db.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name LIKE 'traceability keys=%'"
        )
        if listening == workers:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{workers} workers are not listening")


async def _reason(client: AsyncTestClient[Any], registry: Registry, code: str) -> str:
    answer = await client.post("/api/v1/verify", headers=registry.retailer, json={"codes": [code]})
    assert answer.status_code == 200, answer.text
    reason: str = answer.json()["items"][0].get("reason") or answer.json()["items"][0]["status"]
    return reason


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "traceability.cli", *args],
        env=service_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
