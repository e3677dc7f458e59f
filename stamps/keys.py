"""Key ring of Ed25519 stamp-signing keys, indexed by short key id.

Key ids are the first 4 bytes of SHA-256(raw public key), written as 8
lowercase hex digits. The id only routes a stamp to a key; authenticity comes
from the signature, so a 32-bit id is ample as long as ids are unique *within*
a ring, which generation enforces by drawing a new key on collision.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

from stamps import _crypto
from stamps.format import KEY_ID_SIZE, header_prefix

MANIFEST_NAME: Final = "keyring.json"
MANIFEST_FORMAT: Final = "hagiang-stamp-keyring/1"

KeyFileError = _crypto.KeyFileError


class KeyStatus(enum.StrEnum):
    PENDING = "pending"  # published and verifies; signs once activated (every verifier has it)
    ACTIVE = "active"  # signs new stamps (only the newest active key does) and verifies
    RETIRED = "retired"  # verifies old stamps; signs only to re-derive them (re-printing)
    REVOKED = "revoked"  # compromised: its stamps fail with Reason.REVOKED_KEY


class NoSigningKey(LookupError):
    """The ring has no active private key to sign with."""


def derive_key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).digest()[:KEY_ID_SIZE].hex()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise ValueError("expected unpadded base64url text")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class KeyEntry:
    kid: str
    public_key: bytes
    status: KeyStatus
    seed: bytes | None = field(default=None, repr=False)


class KeyRing:
    """Ordered (oldest first) collection of stamp keys.

    Private rings sign and verify; public-only rings (from JWKS) only verify.
    """

    def __init__(self, entries: Iterable[KeyEntry] = ()) -> None:
        self._keys: dict[str, KeyEntry] = {}
        self._signers: dict[str, Callable[[bytes], bytes]] = {}
        self._verifiers: dict[bytes, tuple[KeyEntry, Callable[[bytes, bytes], bool]]] = {}
        for entry in entries:
            if entry.kid in self._keys:
                raise ValueError(f"duplicate key id {entry.kid} in key ring")
            if derive_key_id(entry.public_key) != entry.kid:
                raise ValueError(f"key id {entry.kid} does not match its public key")
            self._keys[entry.kid] = entry

    # -- construction -------------------------------------------------------

    @classmethod
    def generate(cls) -> KeyRing:
        ring = cls()
        ring.rotate()
        return ring

    @classmethod
    def from_private_bytes(cls, seeds: list[bytes]) -> KeyRing:
        """Deterministic ring: the last seed is the active key, earlier ones retired."""
        entries = []
        for index, seed in enumerate(seeds):
            if len(seed) != _crypto.SEED_SIZE:
                raise ValueError("Ed25519 seeds are 32 bytes")
            public = _crypto.public_key_of(seed)
            status = KeyStatus.ACTIVE if index == len(seeds) - 1 else KeyStatus.RETIRED
            entries.append(KeyEntry(derive_key_id(public), public, status, seed))
        return cls(entries)

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any] | str | bytes) -> KeyRing:
        """Public-only ring from an RFC 8037 JWKS; any unusable stamp-key entry is an error.

        The issuer's own tools use this. Verifiers use :func:`read_jwks`, which skips bad
        entries and says why (``docs/stamp-format.md`` §6).
        """
        ring, problems = read_jwks(jwks)
        if problems:
            raise ValueError(problems[0])
        return ring

    # -- lifecycle ----------------------------------------------------------

    def rotate(self) -> str:
        """Add a fresh active key; every previously active key becomes retired."""
        kid = self.add_pending()
        self.activate(kid)
        return kid

    def add_pending(self) -> str:
        """Add a fresh key that verifies but does not sign yet (see :meth:`activate`).

        A roll-over in two steps: publish the key, wait until every verifier (every server
        instance, every offline kit) holds it, then let it sign. No stamp can then reach a
        verifier that does not know its key.
        """
        while True:
            seed = _crypto.new_seed()
            public = _crypto.public_key_of(seed)
            kid = derive_key_id(public)
            # 32-bit ids can collide, and the GS1 form carries only their first 24 bits:
            # draw again until both are unique within the ring.
            if kid not in self._keys and not self.with_kid_prefix(bytes.fromhex(kid)[:3]):
                break
        self._keys[kid] = KeyEntry(kid, public, KeyStatus.PENDING, seed)
        return kid

    def activate(self, kid: str) -> None:
        """A pending key signs new stamps from now on; the key that did is retired."""
        if self._entry(kid).status is not KeyStatus.PENDING:
            raise ValueError(f"key {kid} is {self._entry(kid).status.value}, not pending")
        for old in list(self._keys.values()):
            if old.status is KeyStatus.ACTIVE:
                self._set_status(old.kid, KeyStatus.RETIRED)
        self._set_status(kid, KeyStatus.ACTIVE)

    def retire(self, kid: str) -> None:
        if self._entry(kid).status is not KeyStatus.REVOKED:  # never un-revoke
            self._set_status(kid, KeyStatus.RETIRED)

    def revoke(self, kid: str) -> None:
        self._set_status(kid, KeyStatus.REVOKED)

    def _set_status(self, kid: str, status: KeyStatus) -> None:
        self._keys[kid] = replace(self._entry(kid), status=status)
        self._signers.pop(kid, None)
        self._verifiers.clear()

    def _entry(self, kid: str) -> KeyEntry:
        try:
            return self._keys[kid]
        except KeyError:
            raise KeyError(f"no key {kid!r} in key ring") from None

    # -- queries ------------------------------------------------------------

    @property
    def current_kid(self) -> str:
        for entry in reversed(self._keys.values()):
            if entry.status is KeyStatus.ACTIVE and entry.seed is not None:
                return entry.kid
        raise NoSigningKey("key ring has no active private key (rotate to add one)")

    @property
    def kids(self) -> list[str]:
        return list(self._keys)

    def status(self, kid: str) -> KeyStatus:
        return self._entry(kid).status

    def public_key(self, kid: str) -> bytes:
        return self._entry(kid).public_key

    def entries(self) -> list[KeyEntry]:
        return list(self._keys.values())

    @property
    def has_private_keys(self) -> bool:
        return any(entry.seed is not None for entry in self._keys.values())

    def public_only(self) -> KeyRing:
        return KeyRing(replace(entry, seed=None) for entry in self._keys.values())

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        keys = ", ".join(f"{e.kid}:{e.status.value}" for e in self._keys.values())
        return f"KeyRing({keys})"

    # -- hot-path helpers used by stamps.core --------------------------------

    def signing_key(self, kid: str | None = None) -> tuple[bytes, Callable[[bytes], bytes]]:
        """(header prefix, sign) for ``kid`` (default: the current key), parsed once and cached.

        Naming a retired key re-derives stamps it signed before (re-printing an old batch
        gives the very same codes); a revoked key or a public-only entry cannot sign.
        """
        kid = self.current_kid if kid is None else kid
        sign = self._signers.get(kid)
        if sign is None:
            entry = self._entry(kid)
            if entry.status is KeyStatus.REVOKED or entry.seed is None:
                raise NoSigningKey(
                    f"key {kid} cannot sign ({entry.status.value}"
                    f"{', public half only' if entry.seed is None else ''})"
                )
            sign = self._signers[kid] = _crypto.signer(entry.seed)
        return header_prefix(bytes.fromhex(kid)), sign

    def verifying_key(self, kid: bytes) -> tuple[KeyEntry, Callable[[bytes, bytes], bool]] | None:
        found = self._verifiers.get(kid)
        if found is None:
            entry = self._keys.get(kid.hex())
            if entry is None:
                return None
            # Holding the private key, re-signing checks a stamp as surely as verifying
            # and costs a third. A revoked key is checked the public way, so that
            # "revoked_key" keeps meaning "a genuine signature by a distrusted key".
            if entry.seed is not None and entry.status is not KeyStatus.REVOKED:
                check = _crypto.issuer_verifier(entry.seed)
            else:
                check = _crypto.verifier(entry.public_key)
            found = self._verifiers[kid] = (entry, check)
        return found

    def with_kid_prefix(
        self, prefix: bytes
    ) -> list[tuple[KeyEntry, Callable[[bytes, bytes], bool]]]:
        """Keys whose id starts with ``prefix`` (the GS1 form's 3 bytes), each with its check."""
        wanted = prefix.hex()
        found = []
        for kid in self._keys:
            if kid.startswith(wanted):
                checked = self.verifying_key(bytes.fromhex(kid))
                assert checked is not None
                found.append(checked)
        return found

    def __getstate__(self) -> dict[str, Any]:
        # Crypto key objects do not pickle; worker processes rebuild the caches.
        return {"keys": list(self._keys.values())}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["keys"])  # type: ignore[misc]

    # -- interchange ---------------------------------------------------------

    def to_jwks(self) -> dict[str, Any]:
        """Public keys as an RFC 8037 JWKS; ``status`` tells verifiers about revocation."""
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": _b64url(entry.public_key),
                    "kid": entry.kid,
                    "alg": "EdDSA",
                    "use": "sig",
                    # A pending key is, to a verifier, a valid key like any other: published
                    # as active, it reads the same to verifiers of every version.
                    "status": (
                        KeyStatus.ACTIVE if entry.status is KeyStatus.PENDING else entry.status
                    ).value,
                }
                for entry in self._keys.values()
            ]
        }

    def save(self, directory: Path, passphrase: bytes) -> None:
        """Write ``keyring.json`` plus one encrypted PKCS#8 PEM per private key."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, Any] = {"format": MANIFEST_FORMAT, "keys": []}
        for entry in self._keys.values():
            item: dict[str, Any] = {
                "kid": entry.kid,
                "status": entry.status.value,
                "x": _b64url(entry.public_key),
                "file": None,
            }
            if entry.seed is not None:
                item["file"] = f"{entry.kid}.pem"
                pem = _crypto.encrypt_private_key(entry.seed, passphrase)
                _write_private(directory / item["file"], pem)
            manifest["keys"].append(item)
        tmp = directory / (MANIFEST_NAME + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, directory / MANIFEST_NAME)

    @classmethod
    def load(cls, directory: Path, passphrase: bytes | None) -> KeyRing:
        """Inverse of :meth:`save`; :class:`KeyFileError` on a wrong passphrase.

        ``passphrase=None`` loads the public half only (no decryption), which is
        all that exporting a JWKS needs.
        """
        directory = Path(directory)
        manifest = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        if manifest.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"{directory / MANIFEST_NAME} is not a stamp key ring manifest")
        entries = []
        for item in manifest["keys"]:
            public = _unb64url(item["x"])
            seed = None
            if item.get("file") and passphrase is not None:
                pem = (directory / Path(item["file"]).name).read_bytes()
                seed = _crypto.decrypt_private_key(pem, passphrase)
                if _crypto.public_key_of(seed) != public:
                    raise ValueError(f"private key file for {item['kid']} does not match")
            entries.append(KeyEntry(item["kid"], public, KeyStatus(item["status"]), seed))
        return cls(entries)


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


_STATUSES = {status.value for status in KeyStatus}


def read_jwks(jwks: dict[str, Any] | str | bytes) -> tuple[KeyRing, list[str]]:
    """A verifier's reading of a JWKS: the usable stamp keys, and why any entry was skipped.

    Rules (``docs/stamp-format.md`` §6): entries that are not Ed25519 signing keys (another
    ``kty``/``crv``, ``use`` other than ``sig``, ``alg`` other than ``EdDSA``) are not stamp
    keys and are ignored silently. An Ed25519 entry is skipped, with a reason, when its
    ``x`` is not 32 bytes of unpadded base64url, its ``kid`` is missing or does not match
    the key, its ``status`` is unknown, or its ``kid`` repeats an earlier entry. A missing
    ``status`` means ``active``. One bad entry never discards the others; a document that
    is not ``{"keys": [...]}`` is refused whole (``ValueError``).
    """
    try:
        doc = json.loads(jwks) if isinstance(jwks, str | bytes) else jwks
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("JWKS is not JSON") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise ValueError('JWKS must be an object with a "keys" array')
    entries: dict[str, KeyEntry] = {}
    problems: list[str] = []
    for index, jwk in enumerate(doc["keys"]):
        if not isinstance(jwk, dict):
            problems.append(f"key {index}: not a JSON object; skipped")
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue  # foreign keys may share a JWKS; they cannot sign stamps
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "EdDSA") != "EdDSA":
            continue
        problem = _jwk_problem(jwk, entries)
        if problem is not None:
            problems.append(f"key {index} ({str(jwk.get('kid'))[:16]}): {problem}; skipped")
            continue
        public = _unb64url(jwk["x"])
        entries[jwk["kid"]] = KeyEntry(jwk["kid"], public, KeyStatus(jwk.get("status", "active")))
    return KeyRing(entries.values()), problems


def _jwk_problem(jwk: dict[str, Any], seen: dict[str, KeyEntry]) -> str | None:
    try:
        public = _unb64url(jwk.get("x", ""))
    except (ValueError, TypeError):
        return "x is not unpadded base64url"
    if len(public) != _crypto.PUBLIC_KEY_SIZE:
        return "x is not a 32-byte Ed25519 public key"
    kid = jwk.get("kid")
    if not isinstance(kid, str):
        return "no kid"
    if kid != derive_key_id(public):
        return "kid does not match the key (first 4 bytes of SHA-256 of x)"
    if kid in seen:
        return "repeats an earlier kid"
    if jwk.get("status", "active") not in _STATUSES:
        return "unknown status"
    return None
