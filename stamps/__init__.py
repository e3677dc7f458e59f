"""Signed QR smart stamps for Hà Giang farm products.

Pure library: issue stamps with the provincial Ed25519 keys, verify them
offline against published JWKS, and render print-ready labels and sheets.
Format: ``docs/stamp-format.md``.
"""

from stamps.core import decode, issue, issue_many, verify, verify_many
from stamps.format import InvalidStamp, Reason, Stamp
from stamps.keys import KeyFileError, KeyRing, KeyStatus, NoSigningKey
from stamps.pin import check_pin, scratch_pin

__all__ = [
    "InvalidStamp",
    "KeyFileError",
    "KeyRing",
    "KeyStatus",
    "NoSigningKey",
    "Reason",
    "Stamp",
    "check_pin",
    "decode",
    "issue",
    "issue_many",
    "scratch_pin",
    "verify",
    "verify_many",
]
