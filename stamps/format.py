"""Stamp format v1: byte layout, signed message, text code and URL.

See ``docs/stamp-format.md`` for the normative description. In short::

    header  = version (1 byte, 0x01) || key id (4 bytes) || serial (5 bytes, big-endian)
    message = SIGNING_CONTEXT || header
    payload = header || Ed25519 signature over message (64 bytes)      -> 74 bytes
    code    = decimal digits of int.from_bytes(payload, "big"), zero-padded to 177
    url     = "https://" + HOST.upper() + "/S/" + code

The code is decimal because QR numeric mode spends 10 bits per 3 digits
(3.33 bits/digit for log2(10) = 3.32 bits of payload, 0.3 % overhead) while
base-32/base-36 in alphanumeric mode waste 6-10 %. Digits also have no case,
so scanners, keyboards and URL normalisers cannot mangle them.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

VERSION: Final = 1
SIGNING_CONTEXT: Final = b"hagiang-smart-stamp:v1:"
KEY_ID_SIZE: Final = 4
SERIAL_SIZE: Final = 5
HEADER_SIZE: Final = 1 + KEY_ID_SIZE + SERIAL_SIZE
SIGNATURE_SIZE: Final = 64
PAYLOAD_SIZE: Final = HEADER_SIZE + SIGNATURE_SIZE
MAX_SERIAL: Final = (1 << (8 * SERIAL_SIZE)) - 1
# Version byte 0x01 puts the payload integer in [2**584, 2**585), i.e. 176-177
# digits; fixed width 177 keeps the code length constant. Top bytes up to 15
# still fit in 177 digits, so later versions may reuse the width.
CODE_LENGTH: Final = 177
PATH_PREFIX: Final = "/S/"

MAX_INPUT: Final = 512
"""Longest text a verifier looks at, before trimming: the longest accepted URL is
``https://`` + a 253-character host + ``:65535`` + ``/S/`` + 177 digits = 447 characters."""
TRIMMED: Final = " \t\n\r\f\v"
"""What trimming removes: ASCII whitespace only (what keyboards and barcode scanners add
around a code). NBSP, ``\x1c``–``\x1f``, BOM and other Unicode spaces are not trimmed:
no stamp prints them, so a code carrying them is malformed."""
_CODE_RE: Final = re.compile(rf"[0-9]{{{CODE_LENGTH}}}", re.ASCII)
# RFC 1123 host names (labels of letters, digits and inner hyphens, 1-63 characters each)
# and an optional port: what TRACEABILITY_PUBLIC_URL can print. No IPv6 literal, no userinfo.
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = rf"{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?"
_URL_RE: Final = re.compile(
    rf"(?:https?://)?{_HOST}/s/([0-9]{{{CODE_LENGTH}}})", re.ASCII | re.IGNORECASE
)
SCAN_PATH_RE: Final = re.compile(rf"/[sS]/([0-9]{{{CODE_LENGTH}}})", re.ASCII)
"""The only scan paths that name a stamp: ``/S/`` or ``/s/`` and exactly the code."""
_PUBLIC_URL_RE: Final = re.compile(
    r"(https?)://([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?)/?",
    re.ASCII | re.IGNORECASE,
)


class Reason(enum.StrEnum):
    """Why a stamp failed; values are stable strings for APIs and logs."""

    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    REVOKED_KEY = "revoked_key"


class InvalidStamp(Exception):
    """The single failure type of :func:`stamps.decode` and :func:`stamps.verify`."""

    reason: Reason

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}" if detail else reason.value)
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[type[InvalidStamp], tuple[Reason, str]]:
        # Needed so verify_many can ship failures back from worker processes.
        return (InvalidStamp, (self.reason, self.detail))


@dataclass(frozen=True, slots=True)
class Stamp:
    """A decoded (and, if it came from verify/issue, authentic) stamp."""

    version: int
    key_id: str
    serial: int
    code: str

    def url(self, public_url: str) -> str:
        """Exact text to put in the QR code, e.g. ``https://TRACE.HAGIANG.GOV.VN/S/0123…``."""
        return stamp_url_base(public_url) + self.code


def key_id_text(raw: bytes) -> str:
    return raw.hex()


def key_id_bytes(kid: str) -> bytes:
    if len(kid) != 2 * KEY_ID_SIZE:
        raise ValueError(f"key id must be {2 * KEY_ID_SIZE} hex characters: {kid!r}")
    return bytes.fromhex(kid)


def header_prefix(kid: bytes) -> bytes:
    """Version and key id: constant per key, so issuers precompute it."""
    return bytes((VERSION,)) + kid


def signed_message(header: bytes) -> bytes:
    return SIGNING_CONTEXT + header


def encode_code(payload: bytes) -> str:
    return str(int.from_bytes(payload, "big")).zfill(CODE_LENGTH)


def check_serial(serial: int) -> None:
    if not isinstance(serial, int) or isinstance(serial, bool):
        raise TypeError(f"serial must be int, not {type(serial).__name__}")
    if not 0 <= serial <= MAX_SERIAL:
        raise ValueError(f"serial must be in [0, {MAX_SERIAL}], got {serial}")


def extract_code(code_or_url: str) -> str:
    """The 177-digit code inside a bare code or a stamp URL; raises InvalidStamp."""
    if not isinstance(code_or_url, str):
        raise InvalidStamp(Reason.MALFORMED, "stamp text must be str")
    if len(code_or_url) > MAX_INPUT:
        raise InvalidStamp(Reason.MALFORMED, "too long")
    text = code_or_url.strip(TRIMMED)
    if _CODE_RE.fullmatch(text):
        return text
    match = _URL_RE.fullmatch(text)
    if match is None:
        raise InvalidStamp(Reason.MALFORMED, "not a stamp code or stamp URL")
    return match.group(1)


def parse_payload(code: str) -> tuple[bytes, bytes, bytes]:
    """Split a well-formed code into (header, key id bytes, signature)."""
    payload = int(code).to_bytes(PAYLOAD_SIZE, "big")  # 177 digits < 2**588: never overflows
    if payload[0] != VERSION:
        raise InvalidStamp(Reason.MALFORMED, f"unsupported format version {payload[0]}")
    header = payload[:HEADER_SIZE]
    return header, header[1 : 1 + KEY_ID_SIZE], payload[HEADER_SIZE:]


def decode(code_or_url: str) -> Stamp:
    """Parse without verifying the signature (diagnostics only)."""
    code = extract_code(code_or_url)
    header, kid, _ = parse_payload(code)
    serial = int.from_bytes(header[1 + KEY_ID_SIZE :], "big")
    return Stamp(VERSION, kid.hex(), serial, code)


@lru_cache(maxsize=64)
def stamp_url_base(public_url: str) -> str:
    """``"https://trace.hagiang.gov.vn"`` -> ``"https://TRACE.HAGIANG.GOV.VN/S/"``.

    The scheme stays lowercase because some phone cameras only open links
    starting with lowercase ``https://``; everything after it is uppercased so
    that it packs into a single QR alphanumeric segment (DNS is
    case-insensitive, and the service routes ``/S/`` and ``/s/``).
    """
    match = _PUBLIC_URL_RE.fullmatch(public_url.strip())
    if match is None:
        raise ValueError(
            f"public_url must look like https://host[:port] with no path, got {public_url!r}"
        )
    scheme, host = match.groups()
    return f"{scheme.lower()}://{host.upper()}{PATH_PREFIX}"


def qr_segments(url: str) -> list[tuple[str, str]]:
    """Split a stamp URL into QR segments ``(mode, text)``, mode in byte/alnum/numeric.

    ``https`` (lowercase letters need byte mode), ``://HOST/S/`` (alphanumeric)
    and the digits (numeric). Splitting after ``https`` rather than after
    ``https://`` saves 7.5 bits. Text that is not a canonical stamp URL falls
    back to one byte segment.
    """
    scheme, sep, rest = url.partition("://")
    host, slash, code = rest.rpartition(PATH_PREFIX)
    if (
        sep
        and slash
        and scheme in ("http", "https")
        and _CODE_RE.fullmatch(code)
        and _ALNUM_RE.fullmatch(host)
    ):
        return [("byte", scheme), ("alnum", sep + host + slash), ("numeric", code)]
    return [("byte", url)]


_ALNUM_RE: Final = re.compile(r"[0-9A-Z $%*+\-./:]*", re.ASCII)
