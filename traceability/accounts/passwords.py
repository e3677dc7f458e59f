"""Passwords of people: Argon2id hashes, one-time passwords, and what a new password must be."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's Argon2id floor (19 MiB, 2 passes, 1 lane): ~0.1 s on one core of a small
# server. Stronger settings would let a burst of sign-ins starve the scan workers.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Letters and digits that cannot be mistaken for each other when read aloud or copied
# from a screen (no 0/O, 1/l/I): a one-time password is passed on by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
ONE_TIME_LENGTH = 12
"""~59 bits: plenty for a password that must be changed at first use."""

MIN_LENGTH = 10
MAX_LENGTH = 200

_DUMMY_HASH = _HASHER.hash("not a real password")


def one_time_password() -> str:
    """A password someone else chose, in groups of four for reading aloud: ``abcd-efgh-jkmn``."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(ONE_TIME_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, ONE_TIME_LENGTH, 4))


async def hash_password(password: str) -> str:
    # Argon2 holds the GIL-free C code for ~0.1 s: off the event loop.
    return await asyncio.to_thread(_HASHER.hash, password)


async def password_matches(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (no timing oracle for logins)."""
    try:
        return await asyncio.to_thread(_HASHER.verify, stored_hash or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
