"""What a person types to sign in: a Vietnamese mobile number or an e-mail address."""

from __future__ import annotations

import re
import unicodedata

_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_PHONE = re.compile(r"^0[0-9]{9,10}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_login(raw: str) -> str:
    """One spelling per account: ``+84 912 345 678``, ``0912.345.678`` → ``0912345678``;
    e-mail addresses lower-cased. Anything else is returned trimmed, for the caller to reject.
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if "@" in text:
        return text.lower()
    digits = _PHONE_SEPARATORS.sub("", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits if _PHONE.match(digits) else text.lower()


def is_valid_login(login: str) -> bool:
    """The same rule as the ``users.login`` check in ``schema.sql``."""
    return bool(_PHONE.match(login)) or (len(login) <= 254 and bool(_EMAIL.match(login)))
