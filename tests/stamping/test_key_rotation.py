"""Key roll-over: new stamps use the new key, printed stamps keep their codes and verify."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from dataclasses import replace
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from stamps import KeyRing, verify
from tests.conftest import assert_problem
from tests.instances import free_port
from tests.world import Registry, order
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.settings import Settings
from traceability.signing import change_key_ring, load_stamp_keys, read_key_ring


async def _csv_codes(
    client: AsyncTestClient[Any], headers: dict[str, str], batch: int
) -> list[str]:
    response = await client.get(
        f"/api/v1/stamp-batches/{batch}/download?format=csv", headers=headers
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    return [row["url"].rsplit("/", 1)[1] for row in rows]


async def test_rotation_keeps_printed_codes_and_signs_new_batches_with_the_new_key(
    settings: Settings, registry: Registry
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        old = await order(client, registry.coop, registry.product_id, 30)
        printed = await _csv_codes(client, registry.coop, old["id"])

    ring = change_key_ring(settings, "rotate")
    new_kid = ring.current_kid
    assert new_kid != old["key_id"]

    async with AsyncTestClient(app=create_app(settings)) as client:
        assert await _csv_codes(client, registry.coop, old["id"]) == printed
        new = await order(client, registry.coop, registry.product_id, 5)
        assert new["key_id"] == new_kid
        jwks = (await client.get("/.well-known/jwks.json")).json()
        published = KeyRing.from_jwks(jwks)
        assert set(published.kids) == {old["key_id"], new_kid}
        assert verify(printed[0], published).key_id == old["key_id"]
        scan = await client.get(f"/s/{printed[0]}", headers={"Accept": "application/json"})
        assert scan.status_code == 200
        assert scan.json()["verdict"] != "not_genuine"


async def test_revoked_key_fails_its_stamps(settings: Settings, registry: Registry) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        old = await order(client, registry.coop, registry.product_id, 3)
        code = (await _csv_codes(client, registry.coop, old["id"]))[0]
    change_key_ring(settings, "rotate")
    change_key_ring(settings, "revoke", old["key_id"])
    async with AsyncTestClient(app=create_app(settings)) as client:
        scan = await client.get(f"/s/{code}", headers={"Accept": "application/json"})
        assert scan.status_code == 404
        assert scan.json()["verdict"] == "not_genuine"
        verdict = await client.post(
            "/api/v1/verify", headers=registry.retailer, json={"codes": [code]}
        )
        assert verdict.json()["items"][0]["reason"] == "revoked_key"


def test_admin_keys_cli(settings: Settings) -> None:
    cli = [sys.executable, "-m", "traceability.cli", "admin", "keys"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEABILITY_")}
    env.update(
        DATABASE_URL=str(settings.database_url),
        TRACEABILITY_DATA_DIR=str(settings.data_dir),
        TRACEABILITY_KEY_PASSPHRASE=settings.key_passphrase.decode(),
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=60)

    nothing = run("list")  # the service makes the ring on its first start, never a command
    assert nothing.returncode == 2
    assert "no key ring yet" in nothing.stderr
    assert not (settings.keys_dir / "keyring.json").exists()
    load_stamp_keys(settings, set())
    first = run("list")
    assert first.returncode == 0, first.stderr
    (line,) = first.stdout.splitlines()
    kid = line.split()[0]
    assert "active" in line
    rotated = run("rotate").stdout.splitlines()
    assert len(rotated) == 2
    assert rotated[0].startswith(f"{kid}  retired")
    assert "signs new stamps" in rotated[1]
    assert run("revoke", kid).stdout.splitlines()[0] == f"{kid}  revoked"
    # The same service as the authority's keys page: every change audited, as the system.
    assert _audited(settings) == [
        ("add_pending", "authority"),
        ("activate", "authority"),
        ("revoke", "authority"),
    ]
    missing = run("retire", "00000000")
    assert missing.returncode == 1
    assert "no key" in missing.stderr


def _audited(settings: Settings) -> list[tuple[str, str]]:
    async def read() -> list[tuple[str, str]]:
        conn = await asyncpg.connect(settings.database_url)
        try:
            rows = await conn.fetch(
                "SELECT action, actor_role FROM audit_log WHERE entity = 'signing_key' ORDER BY id"
            )
            return [(r["action"], r["actor_role"]) for r in rows]
        finally:
            await conn.close()

    return asyncio.run(read())


def test_admin_keys_without_the_database_change_the_folder_and_say_what_they_could_not_check(
    settings: Settings,
) -> None:
    load_stamp_keys(settings, set())
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEABILITY_")}
    env.update(
        DATABASE_URL=f"postgresql://nobody@127.0.0.1:{free_port()}/gone",
        TRACEABILITY_DATA_DIR=str(settings.data_dir),
        TRACEABILITY_KEY_PASSPHRASE=settings.key_passphrase.decode(),
    )
    cli = [sys.executable, "-m", "traceability.cli", "admin", "keys"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*cli, *args], env=env, capture_output=True, text=True, timeout=60)

    old = read_key_ring(settings).current_kid
    rotated = run("rotate")
    # Nobody could confirm that the running instances hold the new key: it stays pending.
    assert rotated.returncode == 1
    assert "cannot reach the database" in rotated.stderr
    assert "stays pending" in rotated.stderr
    ring = read_key_ring(settings)
    assert ring.status(ring.kids[-1]).value == "pending"
    assert ring.current_kid == old
    assert "Traceback" not in rotated.stderr
    # Revoked in the folder, but instances elsewhere learn of it from the database: not done.
    revoked = run("revoke", old)
    assert revoked.returncode == 1
    assert read_key_ring(settings).status(old).value == "revoked"
    assert "not in the database" in revoked.stderr
    assert f"traceability admin keys revoke {old}" in revoked.stderr


async def test_orders_wait_while_no_key_signs(settings: Settings, registry: Registry) -> None:
    """The signing key revoked in the middle of a rotation: orders are refused, clearly."""
    async with AsyncTestClient(app=create_app(settings)) as client:
        runtime = runtime_of(client.app)
        ring = KeyRing(runtime.keys.ring.entries())
        ring.add_pending()
        ring.revoke(ring.current_kid)
        runtime.keys = replace(runtime.keys, ring=ring)
        answer = await client.post(
            "/api/v1/stamp-batches",
            json={"product_id": registry.product_id, "quantity": 5},
            headers=registry.coop,
        )
        assert "activate" in assert_problem(answer, 503)["detail"]
