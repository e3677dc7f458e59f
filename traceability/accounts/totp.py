"""The second factor: RFC 6238 time-based codes, enrolment QR codes and recovery codes."""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import datetime

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "Tem Hà Giang"
STEP_SECONDS = 30
DRIFT_STEPS = 1
"""Accept the code of the step before and after: phones' clocks drift."""
RECOVERY_CODES = 10

_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_secret() -> str:
    """160 random bits, base32 (32 characters), as RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The enrolment QR as inline SVG, rendered here: the secret never leaves the server."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=4)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    # Drop the XML declaration: the SVG goes inside an HTML page.
    return svg[svg.index("<svg") :]


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (within the drift), or None.

    A step at or before ``last_step`` was already used: refusing it stops a code that was
    read over someone's shoulder from being replayed within its 30 seconds.
    """
    digits = "".join(ch for ch in code if not ch.isspace())
    if len(digits) != 6 or not digits.isascii() or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def current_code(secret: str, now: datetime) -> str:
    return pyotp.TOTP(secret, interval=STEP_SECONDS).at(now)


def new_recovery_codes() -> list[str]:
    """Ten codes of 10 characters (~49 bits each), shown once, each usable once."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def recovery_hash(code: str) -> bytes:
    canonical = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(canonical.encode()).digest()
