"""The only module that touches ``cryptography.hazmat``.

Everything else in :mod:`stamps` deals in raw bytes (32-byte seeds, 32-byte
public keys, 64-byte signatures), so swapping the backend or auditing the
crypto surface means reading this one file.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

SEED_SIZE = 32
PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


class KeyFileError(ValueError):
    """A private key file could not be decrypted or is not an Ed25519 key."""


def new_seed() -> bytes:
    """A fresh 32-byte Ed25519 private key seed from the OS CSPRNG."""
    return os.urandom(SEED_SIZE)


def public_key_of(seed: bytes) -> bytes:
    """Raw 32-byte public key (RFC 8032 encoding) for a private seed."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes_raw()


def signer(seed: bytes) -> Callable[[bytes], bytes]:
    """A bound ``sign(message) -> signature`` for the hot path.

    Returning the bound method avoids re-parsing the seed per stamp, which is
    what lets issuing run at raw signing speed.
    """
    return Ed25519PrivateKey.from_private_bytes(seed).sign


def verifier(public_key: bytes) -> Callable[[bytes, bytes], bool]:
    """A ``check(signature, message) -> bool`` closure over one public key."""
    key = Ed25519PublicKey.from_public_bytes(public_key)
    verify = key.verify

    def check(signature: bytes, message: bytes) -> bool:
        try:
            verify(signature, message)
        except InvalidSignature:
            return False
        return True

    return check


def issuer_verifier(seed: bytes) -> Callable[[bytes, bytes], bool]:
    """``check(signature, message)`` for whoever holds the private key: re-sign and compare.

    Ed25519 signatures are deterministic (RFC 8032 §5.1.6), so the issuer knows the one
    signature it gave each message; only the private key's holder could make another.
    Re-signing (~30 µs) is about three times cheaper than verifying (~100 µs), and the
    comparison is constant-time.
    """
    sign = Ed25519PrivateKey.from_private_bytes(seed).sign

    def check(signature: bytes, message: bytes) -> bool:
        return hmac.compare_digest(sign(message), signature)

    return check


def sign(seed: bytes, message: bytes) -> bytes:
    return signer(seed)(message)


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    return verifier(public_key)(signature, message)


def encrypt_private_key(seed: bytes, passphrase: bytes) -> bytes:
    """PKCS#8 PEM, encrypted with the library's best available scheme."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.BestAvailableEncryption(passphrase),
    )


def decrypt_private_key(pem: bytes, passphrase: bytes) -> bytes:
    """Seed from an encrypted PKCS#8 PEM; :class:`KeyFileError` on any failure."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        # Wrong passphrase and corrupt files both surface as ValueError; callers
        # only need "this key file cannot be opened with this passphrase".
        raise KeyFileError("cannot decrypt private key (wrong passphrase or corrupt file)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError("private key is not Ed25519")
    return key.private_bytes_raw()
