"""The service's key ring and the secrets beside it, kept in the data folder.

The ring is generated on first start and saved encrypted with the key passphrase. Scratch
PINs and place hashes need secrets of their own, generated once too. Several worker
processes may start at the same moment: a file lock makes exactly one of them generate,
and the others load what it wrote, so every worker signs and verifies with the same ring.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from litestar.di import NamedDependency

from stamps import KeyRing
from stamps.keys import MANIFEST_NAME
from traceability.settings import Settings

log = logging.getLogger(__name__)

_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class StampKeys:
    """What the service signs, checks PINs and hashes places with."""

    ring: KeyRing
    pin_secret: bytes
    """The print house gets PINs derived from it; they are never stored."""
    place_secret: bytes
    """Keys the hash of a network prefix, so scans never hold an address."""


Keys = NamedDependency[StampKeys]
"""A handler parameter ``keys: Keys`` gets the key ring and secrets as of its request."""


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _secret(path: Path, make: bytes | None = None) -> bytes:
    if not path.exists():
        _write_private(path, make if make is not None else secrets.token_bytes(_SECRET_BYTES))
        log.info("generated %s (keep it with the data folder's backups)", path)
    return path.read_bytes()


def passphrase(settings: Settings) -> bytes:
    """The configured key passphrase, or one generated once and kept beside the keys."""
    if settings.key_passphrase:
        return settings.key_passphrase
    path = settings.data_dir / "key-passphrase"
    if not path.exists():
        log.warning(
            "TRACEABILITY_KEY_PASSPHRASE is empty: the signing keys are encrypted with a random "
            "passphrase kept in %s (mode 0600); set the variable to keep it elsewhere",
            path,
        )
    return _secret(path, secrets.token_urlsafe(32).encode())


def load_stamp_keys(settings: Settings) -> StampKeys:
    """Load the ring and secrets, generating whatever is missing (under a file lock)."""
    data = settings.data_dir
    with _locked(data):
        phrase = passphrase(settings)
        keys_dir = settings.keys_dir
        if (keys_dir / MANIFEST_NAME).exists():
            ring = KeyRing.load(keys_dir, phrase)
        else:
            ring = KeyRing.generate()
            ring.save(keys_dir, phrase)
            log.info("generated the stamp signing key %s in %s", ring.current_kid, keys_dir)
        return StampKeys(
            ring=ring,
            pin_secret=_secret(data / "pin-secret"),
            place_secret=_secret(data / "place-secret"),
        )


def change_key_ring(settings: Settings, change: str, kid: str | None = None) -> KeyRing:
    """Rotate, retire or revoke a key in the ring on disk, under the lock; returns the ring.

    Running workers keep the ring they loaded: restart them (or send them SIGTERM and let
    the supervisor start them again) so new stamps use the new key and JWKS shows the change.
    """
    with _locked(settings.data_dir):
        phrase = passphrase(settings)
        ring = KeyRing.load(settings.keys_dir, phrase)
        if change == "rotate":
            new = ring.rotate()
            log.info("rotated: new stamps are signed by %s", new)
        elif change in ("retire", "revoke"):
            if kid is None or kid not in ring.kids:
                raise KeyError(f"no key {kid!r} in the ring ({', '.join(ring.kids)})")
            getattr(ring, change)(kid)
        else:
            raise ValueError(f"unknown key ring change {change!r}")
        ring.save(settings.keys_dir, phrase)
        return ring
