"""The service's key ring and every secret beside it, all in one folder.

``TRACEABILITY_DATA_DIR/keys`` (mode 0700) holds everything that printed stamps depend on::

    keyring.json     key ids, public keys and their status
    <kid>.pem        each private key, PKCS#8 encrypted with the key passphrase
    pin-secret       derives every printed scratch PIN (PINs are never stored)
    place-secret     keys the hash of a scan's network prefix (clone rules compare them)
    key-passphrase   the passphrase, only when TRACEABILITY_KEY_PASSPHRASE is unset

Copying this one folder (and the passphrase, when it comes from a secret store) backs them
all up, and sharing it gives every instance the same keys, PINs and places.

The ring and the secrets are generated once, on the first start against a database without
stamp batches. Afterwards nothing is ever generated again: when batches exist but their key,
the PIN secret or the passphrase is missing (a new machine, a backup restored without the
folder), the service refuses to start with one line that says what is missing, instead of
making new secrets under which every printed stamp would look fake. Several worker
processes may start at the same moment: a file lock makes exactly one of them generate.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import secrets
import stat
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from litestar.di import NamedDependency

from stamps import KeyRing
from stamps.keys import MANIFEST_NAME, KeyFileError, KeyStatus, NoSigningKey
from traceability.errors import TraceabilityError
from traceability.settings import Settings

log = logging.getLogger(__name__)

_SECRET_BYTES = 32
# File names, not secrets:
PIN_SECRET = "pin-secret"  # noqa: S105
PLACE_SECRET = "place-secret"  # noqa: S105
PASSPHRASE_FILE = "key-passphrase"  # noqa: S105
_LEGACY = (PIN_SECRET, PLACE_SECRET, PASSPHRASE_FILE, ".lock")
"""Files that earlier versions kept in the data folder itself, outside ``keys/``."""


class KeyFolderError(Exception):
    """The keys folder cannot be used as it is; the message says what to do, in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.detail = message  # what Litestar reports when the lifespan fails


@dataclass(frozen=True, slots=True)
class StampKeys:
    """What the service signs, checks PINs and hashes places with."""

    ring: KeyRing
    pin_secret: bytes
    """The print house gets PINs derived from it; they are never stored."""
    place_secret: bytes
    """Keys the hash of a network prefix, so scans never hold an address."""


class KeyUnavailable(TraceabilityError):
    """This server does not hold the key the request needs."""

    status = 503
    slug = "key-unavailable"


def signing_kid(ring: KeyRing) -> str:
    """The key that signs new stamps; a 503 while none does (its key revoked mid-rotation)."""
    try:
        return ring.current_kid
    except NoSigningKey:
        raise KeyUnavailable(
            "No key signs new stamps at the moment: the authority must activate one "
            "(traceability admin keys activate KID, or rotate)."
        ) from None


Keys = NamedDependency[StampKeys]
"""A handler parameter ``keys: Keys`` gets the key ring and secrets as of its request."""


@contextmanager
def _locked(settings: Settings) -> Iterator[Path]:
    """The keys folder, created private and locked against other processes while in use."""
    keys = settings.keys_dir
    keys.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(keys / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            _move_legacy(settings, keys)
            _tighten(settings)
            yield keys
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _tighten(settings: Settings) -> None:
    """keys/ 0700; the data folder 0700 too, or 0711 where the embedded PostgreSQL runs as
    another system user (as root) and must pass through it to reach ``pgdata/``."""
    shared_with_postgres = os.geteuid() == 0 and settings.pgdata_dir.exists()
    for folder, mode in (
        (settings.data_dir, 0o711 if shared_with_postgres else 0o700),
        (settings.keys_dir, 0o700),
    ):
        info = folder.stat()
        if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
            folder.chmod(mode)


def _move_legacy(settings: Settings, keys: Path) -> None:
    """Earlier versions kept the secrets beside ``keys/``; bring them in (once)."""
    for name in _LEGACY:
        old, new = settings.data_dir / name, keys / name
        if not old.exists():
            continue
        if name == ".lock":  # the old lock file: the lock is in keys/ now
            old.unlink()
        elif not new.exists():
            os.replace(old, new)
            log.warning("moved %s into %s: back up that folder as a whole", old, keys)
        elif old.read_bytes() == new.read_bytes():
            old.unlink()
        else:
            raise KeyFolderError(
                f"{old} and {new} differ: keep the one your printed stamps were made with "
                f"in {keys} and remove the other"
            )


def _passphrase(settings: Settings, keys: Path, *, may_generate: bool) -> bytes:
    if settings.key_passphrase:
        return settings.key_passphrase
    path = keys / PASSPHRASE_FILE
    if path.exists():
        return path.read_bytes()
    if not may_generate:
        raise KeyFolderError(
            f"{keys} holds encrypted signing keys but no passphrase: set "
            f"TRACEABILITY_KEY_PASSPHRASE, or restore {path} from your backup"
        )
    log.warning(
        "TRACEABILITY_KEY_PASSPHRASE is empty: the signing keys are encrypted with a random "
        "passphrase kept in %s (fine for a demo; set the variable to keep it elsewhere)",
        path,
    )
    _write_private(path, secrets.token_urlsafe(32).encode())
    return path.read_bytes()


def _load_ring(keys: Path, phrase: bytes, settings: Settings) -> KeyRing:
    try:
        return KeyRing.load(keys, phrase)
    except KeyFileError:
        source = (
            "TRACEABILITY_KEY_PASSPHRASE"
            if settings.key_passphrase
            else f"{keys / PASSPHRASE_FILE} (TRACEABILITY_KEY_PASSPHRASE is unset)"
        )
        raise KeyFolderError(
            f"cannot decrypt the signing keys in {keys}: {source} is not the passphrase "
            "they were saved with"
        ) from None
    except (OSError, ValueError) as exc:
        raise KeyFolderError(f"cannot read the key ring in {keys}: {exc}") from None


def _secret(path: Path, *, may_generate: bool, why: str) -> bytes:
    if path.exists():
        value = path.read_bytes()
        if len(value) >= 16:
            return value
        raise KeyFolderError(f"{path} is damaged ({len(value)} bytes): restore it from backup")
    if not may_generate:
        raise KeyFolderError(
            f"{path} is missing but stamp batches exist: {why}; restore it from your backup "
            "of the keys folder"
        )
    _write_private(path, secrets.token_bytes(_SECRET_BYTES))
    log.info("generated %s (back up the keys folder)", path)
    return path.read_bytes()


def load_stamp_keys(settings: Settings, batch_key_ids: Collection[str] | None) -> StampKeys:
    """Load the ring and secrets; generate them only for a database without stamp batches.

    ``batch_key_ids`` are the keys that signed the database's batches (None: the database
    could not be asked; nothing is generated then). Raises :class:`KeyFolderError` (one
    line) when any of them, or a secret, is missing.
    """
    fresh = batch_key_ids is not None and not batch_key_ids
    with _locked(settings) as keys:
        has_ring = (keys / MANIFEST_NAME).exists()
        if not has_ring and batch_key_ids is None:
            raise KeyFolderError(
                f"{keys} holds no key ring, and the database cannot say whether stamp batches "
                "exist: start again once it is reachable (or restore the keys folder)"
            )
        if not has_ring and not fresh:
            raise KeyFolderError(
                f"{keys} holds no key ring, but the database has stamp batches signed by "
                f"{_kid_list(batch_key_ids or ())}: restore the keys folder from your backup"
            )
        phrase = _passphrase(settings, keys, may_generate=not has_ring)
        if has_ring:
            ring = _load_ring(keys, phrase, settings)
        else:
            ring = KeyRing.generate()
            ring.save(keys, phrase)
            log.info("generated the stamp signing key %s in %s", ring.current_kid, keys)
        missing = sorted(set(batch_key_ids or ()) - set(ring.kids))
        if missing:
            raise KeyFolderError(
                f"the database has stamp batches signed by {_kid_list(missing)}, which "
                f"{keys / MANIFEST_NAME} does not hold: restore the keys folder from the "
                "backup (or the instance) that has them"
            )
        return StampKeys(
            ring=ring,
            pin_secret=_secret(
                keys / PIN_SECRET,
                may_generate=fresh,
                why="every printed scratch PIN derives from it",
            ),
            place_secret=_secret(
                keys / PLACE_SECRET,
                may_generate=fresh,
                why="the clone rules compare the places it hashed",
            ),
        )


def _kid_list(kids: Collection[str]) -> str:
    ordered = sorted(kids)
    shown = ", ".join(ordered[:5]) + (f" and {len(ordered) - 5} more" if len(ordered) > 5 else "")
    return ("key " if len(ordered) == 1 else "keys ") + shown


def read_key_ring(settings: Settings) -> KeyRing:
    """The ring on disk, decrypted (for the admin commands); never generates anything."""
    with _locked(settings) as keys:
        if not (keys / MANIFEST_NAME).exists():
            raise KeyFolderError(
                f"{keys} holds no key ring yet: the service makes one on its first start"
            )
        return _load_ring(keys, _passphrase(settings, keys, may_generate=False), settings)


def read_public_key_ring(settings: Settings) -> KeyRing:
    """The ring as saved, public halves only: no passphrase, nothing decrypted (for showing
    the keys and their status; the manifest is replaced whole, so no lock is needed)."""
    keys = settings.keys_dir
    if not (keys / MANIFEST_NAME).exists():
        raise KeyFolderError(
            f"{keys} holds no key ring yet: the service makes one on its first start"
        )
    try:
        return KeyRing.load(keys, None)
    except (OSError, ValueError) as exc:
        raise KeyFolderError(f"cannot read the key ring in {keys}: {exc}") from None


def change_key_ring(settings: Settings, change: str, kid: str | None = None) -> KeyRing:
    """Change the ring on disk, under the lock; returns the ring as saved.

    ``pending`` adds a key that verifies but does not sign yet, ``activate`` lets a pending
    key sign, ``rotate`` does both at once (for a service that is not running), ``retire``
    and ``revoke`` change a key's status. Running workers load the change by themselves.
    """
    with _locked(settings) as keys:
        if not (keys / MANIFEST_NAME).exists():
            raise KeyFolderError(
                f"{keys} holds no key ring yet: the service makes one on its first start"
            )
        phrase = _passphrase(settings, keys, may_generate=False)
        ring = _load_ring(keys, phrase, settings)
        if change == "rotate":
            new = ring.rotate()
            log.info("rotated: new stamps are signed by %s", new)
        elif change == "pending":
            new = ring.add_pending()
            log.info("added %s: it verifies, and signs once activated", new)
        elif change in ("retire", "revoke", "activate"):
            if kid is None or kid not in ring.kids:
                raise KeyError(f"no key {kid!r} in the ring ({', '.join(ring.kids)})")
            getattr(ring, change)(kid)
        else:
            raise ValueError(f"unknown key ring change {change!r}")
        ring.save(keys, phrase)
        return ring


def with_revocations(ring: KeyRing, revoked: Collection[str]) -> KeyRing:
    """``ring`` with every key in ``revoked`` revoked (a copy; the folder is not changed).

    The database records revocations too (``admin keys revoke``): a worker whose keys folder
    is a copy that has not received one yet treats the key as revoked all the same.
    """
    if not any(
        entry.kid in revoked and entry.status is not KeyStatus.REVOKED for entry in ring.entries()
    ):
        return ring
    return KeyRing(
        replace(entry, status=KeyStatus.REVOKED) if entry.kid in revoked else entry
        for entry in ring.entries()
    )


def ring_fingerprint(ring: KeyRing) -> str:
    """12 hex digits that change with any key or status in the ring (for comparing rings)."""
    text = ";".join(f"{entry.kid}:{entry.status.value}" for entry in ring.entries())
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def ring_file_state(settings: Settings) -> tuple[int, int, int] | None:
    """What changes when the ring on disk is saved again (it is replaced whole, atomically)."""
    try:
        info = (settings.keys_dir / MANIFEST_NAME).stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size
