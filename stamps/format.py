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

import base64
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


FORM_COMPACT: Final = "compact"
FORM_GS1: Final = "gs1-digital-link"
GS1_SIGNING_CONTEXT: Final = b"hagiang-smart-stamp:gs1dl:v1:"
"""Domain separation of the GS1 Digital Link form from format 1 and from the offline kit."""
GS1_KID_PREFIX: Final = 3
"""Key-id bytes carried in the AI (8030) value: 3 + 64 signature bytes = 90 base64url chars."""
GS1_SIGNATURE_TEXT: Final = 90


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
    """The 177-digit code (compact form), or the AI (8030) value (GS1 Digital Link form)."""
    gtin: str | None = None
    """The GTIN-14 the stamp is signed for: set in the GS1 Digital Link form only."""

    @property
    def form(self) -> str:
        return FORM_GS1 if self.gtin is not None else FORM_COMPACT

    def url(self, public_url: str) -> str:
        """Exact text to put in the QR code.

        Compact: ``https://TRACE.HAGIANG.GOV.VN/S/0123…``; GS1 Digital Link:
        ``https://TRACE.HAGIANG.GOV.VN/01/08938534000017/21/42?8030=…``.
        """
        if self.gtin is not None:
            return gs1_url(public_url, self.gtin, self.serial, self.code)
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


def prepared(code_or_url: str) -> str:
    """The text a verifier looks at: bounded in length, trimmed of ASCII whitespace (§4)."""
    if not isinstance(code_or_url, str):
        raise InvalidStamp(Reason.MALFORMED, "stamp text must be str")
    if len(code_or_url) > MAX_INPUT:
        raise InvalidStamp(Reason.MALFORMED, "too long")
    return code_or_url.strip(TRIMMED)


def extract_code(code_or_url: str) -> str:
    """The 177-digit code inside a bare code or a stamp URL; raises InvalidStamp."""
    text = prepared(code_or_url)
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
    """Parse without verifying the signature (diagnostics only).

    For the GS1 form only 3 key-id bytes travel, so ``key_id`` has 6 hex digits.
    """
    gs1 = parse_gs1(prepared(code_or_url))
    if gs1 is not None:
        gtin, serial, kid, signature = gs1
        return Stamp(VERSION, kid.hex(), serial, gs1_value(kid, signature), gtin)
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
    gs1 = _GS1_SEGMENTS_RE.fullmatch(rest) if sep and scheme in ("http", "https") else None
    if gs1 is not None:  # §11: https | ://HOST/01/ | gtin | /21/ | serial | ?8030=value
        host, gtin, serial, query = gs1.groups()
        return [
            ("byte", scheme),
            ("alnum", sep + host + "/01/"),
            ("numeric", gtin),
            ("alnum", "/21/"),
            ("numeric", serial),
            ("byte", query),
        ]
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
_GS1_SEGMENTS_RE: Final = re.compile(
    r"([0-9A-Z.:-]+)/01/([0-9]{14})/21/([0-9]{1,13})(\?8030=[A-Za-z0-9_-]{90})", re.ASCII
)


# --- the GS1 Digital Link form (docs/stamp-format.md §11) -------------------------------

_GS1_RE: Final = re.compile(
    rf"(?:https?://)?{_HOST}/01/([0-9]{{14}})/21/(0|[1-9][0-9]{{0,12}})"
    r"\?8030=([A-Za-z0-9_-]{90})",
    re.ASCII | re.IGNORECASE,
)


def gs1_message(kid: bytes, gtin: str, serial: int) -> bytes:
    """What the GS1 form signs: context, full 4-byte key id, GTIN-14 digits, 5-byte serial."""
    return GS1_SIGNING_CONTEXT + kid + gtin.encode("ascii") + serial.to_bytes(SERIAL_SIZE, "big")


def gs1_value(kid: bytes, signature: bytes) -> str:
    """The AI (8030) value: base64url(first 3 key-id bytes || signature), 90 characters."""
    text = base64.urlsafe_b64encode(kid[:GS1_KID_PREFIX] + signature).decode("ascii")
    return text.rstrip("=")


def gs1_url(public_url: str, gtin: str, serial: int, value: str) -> str:
    base = stamp_url_base(public_url).removesuffix(PATH_PREFIX)
    return f"{base}/01/{gtin}/21/{serial}?8030={value}"


def parse_gs1(text: str) -> tuple[str, int, bytes, bytes] | None:
    """(GTIN-14, serial, 3 key-id bytes, signature) of a GS1-form stamp URL; None if not one.

    Raises :class:`InvalidStamp` when it is one but broken (bad GTIN check digit, serial
    beyond 2^40 - 1). The URL must be exactly ``[scheme://]host/01/{gtin}/21/{serial}?8030=``
    with the 90-character value: no other query parameter, no fragment.
    """
    match = _GS1_RE.fullmatch(text)
    if match is None:
        return None
    gtin, serial_text, value = match.groups()
    if not _gtin_ok(gtin):
        raise InvalidStamp(Reason.MALFORMED, "the GTIN's check digit is wrong")
    serial = int(serial_text)
    if serial > MAX_SERIAL:
        raise InvalidStamp(Reason.MALFORMED, "serial out of range")
    raw = base64.urlsafe_b64decode(value + "==")  # 90 characters: always 67 bytes
    if _b64(raw) != value:
        raise InvalidStamp(Reason.MALFORMED, "the AI (8030) value is not canonical base64url")
    return gtin, serial, raw[:GS1_KID_PREFIX], raw[GS1_KID_PREFIX:]


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _gtin_ok(digits: str) -> bool:
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def check_gtin(gtin: str) -> str:
    """A GTIN-14 for signing (8, 12 or 13 digits are zero-padded), or ValueError."""
    if not (isinstance(gtin, str) and gtin.isascii() and gtin.isdigit()):
        raise ValueError("a GTIN is a string of digits")
    if len(gtin) not in (8, 12, 13, 14) or not _gtin_ok(gtin):
        raise ValueError(f"not a valid GTIN: {gtin!r}")
    return gtin.zfill(14)
