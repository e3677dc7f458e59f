"""A worker's runtime: the key ring follows the keys folder while the worker runs."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from stamps import KeyStatus
from traceability.app import create_app
from traceability.runtime import runtime_of
from traceability.settings import Settings
from traceability.signing import change_key_ring


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
