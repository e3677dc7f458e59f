"""The keys folder: every secret in it, backed up as one, never silently made anew."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from stamps import KeyRing, scratch_pin
from tests.world import Registry, registry
from traceability.settings import Settings
from traceability.signing import KeyFolderError, load_stamp_keys

__all__ = ["registry"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _batch(db: asyncpg.Connection, registry: Registry, kid: str, first: int = 1) -> None:
    await db.execute(
        "INSERT INTO stamp_batches (cooperative_id, product_id, serials, quantity, key_id,"
        " unit_price_vnd, subsidy_share)"
        " VALUES ($1, $2, int8range($3::bigint, $3::bigint + 10), 10, $4, 350, 0.6)",
        registry.cooperative_id,
        registry.product_id,
        first,
        kid,
    )


def test_a_first_start_keeps_every_secret_in_one_private_folder(settings: Settings) -> None:
    unset = replace(settings, key_passphrase=b"")
    keys = load_stamp_keys(unset, set())
    folder = settings.keys_dir
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(
        [f"{keys.ring.current_kid}.pem", "keyring.json", "key-passphrase", "pin-secret",
         "place-secret"]
    )  # fmt: skip
    assert [p.name for p in settings.data_dir.iterdir()] == ["keys"]
    assert _mode(settings.data_dir) == 0o700
    assert _mode(folder) == 0o700
    for secret in ("key-passphrase", "pin-secret", "place-secret"):
        assert _mode(folder / secret) == 0o600
    # Loading again gives the very same keys and secrets.
    again = load_stamp_keys(unset, {keys.ring.current_kid})
    assert again.ring.entries() == keys.ring.entries()
    assert (again.pin_secret, again.place_secret) == (keys.pin_secret, keys.place_secret)


def test_an_existing_data_folder_is_tightened_and_its_secrets_moved_into_keys(
    settings: Settings,
) -> None:
    # The layout of earlier versions: PIN and place secrets beside keys/, folders 0755.
    first = load_stamp_keys(settings, set())
    data, folder = settings.data_dir, settings.keys_dir
    for name in ("pin-secret", "place-secret"):
        os.replace(folder / name, data / name)
    data.chmod(0o755)
    folder.chmod(0o755)
    printed = scratch_pin(first.pin_secret, 12345)

    again = load_stamp_keys(settings, {first.ring.current_kid})
    assert scratch_pin(again.pin_secret, 12345) == printed
    assert again.place_secret == first.place_secret
    assert not (data / "pin-secret").exists()
    assert (folder / "pin-secret").exists()
    assert _mode(data) == 0o700
    assert _mode(folder) == 0o700


def test_two_different_pin_secrets_are_not_guessed_between(settings: Settings) -> None:
    first = load_stamp_keys(settings, set())
    (settings.data_dir / "pin-secret").write_bytes(os.urandom(32))
    with pytest.raises(KeyFolderError, match="differ"):
        load_stamp_keys(settings, {first.ring.current_kid})


def test_a_copy_of_the_keys_folder_alone_restores_every_pin(
    settings: Settings, tmp_path: Path
) -> None:
    """The backup recipe: the keys folder (and the passphrase), nothing else."""
    unset = replace(settings, key_passphrase=b"")
    original = load_stamp_keys(unset, set())
    restored_dir = tmp_path / "another-machine"
    restored_dir.mkdir()
    shutil.copytree(settings.keys_dir, restored_dir / "keys")
    restored = load_stamp_keys(replace(unset, data_dir=restored_dir), {original.ring.current_kid})
    assert restored.ring.kids == original.ring.kids
    assert scratch_pin(restored.pin_secret, 777) == scratch_pin(original.pin_secret, 777)
    assert restored.place_secret == original.place_secret


async def test_batches_without_their_keys_folder_refuse_to_start(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    await _batch(db, registry, "1a2b3c4d")
    with pytest.raises(KeyFolderError, match="signed by key 1a2b3c4d") as refused:
        load_stamp_keys(settings, {"1a2b3c4d"})
    assert "\n" not in str(refused.value)
    # Nothing was generated in its place.
    assert not (settings.keys_dir / "keyring.json").exists()
    assert not (settings.keys_dir / "pin-secret").exists()


def test_a_ring_without_the_key_of_a_batch_refuses_to_start(settings: Settings) -> None:
    keys = load_stamp_keys(settings, set())
    other = KeyRing.generate().current_kid
    with pytest.raises(KeyFolderError, match=f"signed by key {other}"):
        load_stamp_keys(settings, {keys.ring.current_kid, other})


@pytest.mark.parametrize("name", ["pin-secret", "place-secret"])
def test_a_missing_secret_is_never_made_anew_once_batches_exist(
    settings: Settings, name: str
) -> None:
    keys = load_stamp_keys(settings, set())
    (settings.keys_dir / name).unlink()
    with pytest.raises(KeyFolderError, match=f"{name} is missing but stamp batches exist"):
        load_stamp_keys(settings, {keys.ring.current_kid})
    assert not (settings.keys_dir / name).exists()


def test_a_missing_passphrase_file_is_never_made_anew_once_keys_exist(
    settings: Settings,
) -> None:
    unset = replace(settings, key_passphrase=b"")
    keys = load_stamp_keys(unset, set())
    (settings.keys_dir / "key-passphrase").unlink()
    for batches in (set(), {keys.ring.current_kid}):
        with pytest.raises(KeyFolderError, match="TRACEABILITY_KEY_PASSPHRASE"):
            load_stamp_keys(unset, batches)
        assert not (settings.keys_dir / "key-passphrase").exists()


def test_a_wrong_passphrase_is_one_error_naming_the_variable(settings: Settings) -> None:
    keys = load_stamp_keys(settings, set())
    with pytest.raises(KeyFolderError, match="TRACEABILITY_KEY_PASSPHRASE is not the passphrase"):
        load_stamp_keys(replace(settings, key_passphrase=b"wrong"), {keys.ring.current_kid})


# --- the same refusals from real processes ------------------------------------------------


def _env(settings: Settings, passphrase: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACEABILITY_")}
    env.update(
        DATABASE_URL=str(settings.database_url),
        TRACEABILITY_DATA_DIR=str(settings.data_dir),
        TRACEABILITY_KEY_PASSPHRASE=passphrase,
        TRACEABILITY_PORT=str(_free_port()),
    )
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "WARNING" not in line and line.strip()]


def test_serve_with_a_wrong_passphrase_says_so_in_one_line(settings: Settings) -> None:
    load_stamp_keys(settings, set())
    served = subprocess.run(
        [sys.executable, "-m", "traceability.cli", "serve"],
        env=_env(settings, "not the passphrase"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert served.returncode == 2
    (line,) = _errors(served.stderr)
    assert line.startswith("cannot start: cannot decrypt the signing keys")
    assert "TRACEABILITY_KEY_PASSPHRASE" in line


async def test_a_worker_started_on_its_own_refuses_in_one_line(
    settings: Settings, registry: Registry, db: asyncpg.Connection
) -> None:
    """``uvicorn --factory`` without the supervisor's check: the worker itself refuses."""
    await _batch(db, registry, "1a2b3c4d")
    env = _env(settings, settings.key_passphrase.decode())
    served = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "uvicorn", "--factory", "traceability.app:create_app_from_env",
         "--port", env["TRACEABILITY_PORT"]],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert served.returncode != 0
    assert "Traceback" not in served.stderr
    refusals = [line for line in served.stderr.splitlines() if "cannot start" in line]
    assert len(refusals) == 1
    assert "signed by key 1a2b3c4d" in refusals[0]
    assert not (settings.keys_dir / "keyring.json").exists()
