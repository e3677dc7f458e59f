"""Scratch-off PINs: a keyed hash of the serial, so nothing needs storing.

A PIN is the second factor of a stamp: the QR is public (photographed,
copied), the PIN sits under the scratch layer and proves the buyer holds an
unopened label. The service recomputes it from the serial and a secret.
"""

from __future__ import annotations

import hmac
import re
from typing import Final

PIN_CONTEXT: Final = b"hagiang-smart-stamp:pin:v1:"
PIN_DIGITS: Final = 10
_SEPARATORS: Final = re.compile(r"[\s\-]+")


def _pin_digits(secret: bytes, serial: int) -> str:
    if serial < 0:
        raise ValueError("serial must be non-negative")
    mac = hmac.digest(secret, PIN_CONTEXT + serial.to_bytes(8, "big"), "sha256")
    # 64 bits mod 10**10: bias below 1e-9, irrelevant for a guessing bound.
    return str(int.from_bytes(mac[:8], "big") % 10**PIN_DIGITS).zfill(PIN_DIGITS)


def scratch_pin(secret: bytes, serial: int) -> str:
    """10-digit PIN for ``serial``, grouped for reading aloud: ``"4821-0937-55"``."""
    digits = _pin_digits(secret, serial)
    return f"{digits[:4]}-{digits[4:8]}-{digits[8:]}"


def check_pin(secret: bytes, serial: int, entered: str) -> bool:
    """Constant-time check; spaces and dashes anywhere in ``entered`` are ignored."""
    if serial < 0:
        return False
    candidate = _SEPARATORS.sub("", entered)
    expected = _pin_digits(secret, serial)
    # compare_digest on ASCII bytes: non-ASCII input just mismatches, never raises.
    return hmac.compare_digest(candidate.encode("utf-8", "replace"), expected.encode("ascii"))
