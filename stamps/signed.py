"""Signed JSON documents of the offline kit: the revocation list and the batch manifest.

Each document is a JWS in the flattened JSON serialisation (RFC 7515 §7.2.2) with EdDSA
(RFC 8037), signed by one of the authority's stamp keys, so any JOSE library verifies it
with the published JWKS alone::

    {"protected": b64url({"alg":"EdDSA","kid":"21fe31df","typ":"hagiang-revocations+json"}),
     "payload":   b64url(<UTF-8 JSON document>),
     "signature": b64url(Ed25519(protected "." payload))}

The signing input always begins with ``eyJ`` (base64url of ``{"``), so it can never be
mistaken for a stamp's signed message (``hagiang-smart-stamp:v1:…``), and ``typ`` keeps a
revocation list from passing as a manifest. A document signed by a revoked key is refused.
See ``docs/stamp-format.md`` §10.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime
from typing import Any, Final

from stamps.keys import KeyRing, KeyStatus

REVOCATIONS_TYPE: Final = "hagiang-revocations+json"
MANIFEST_TYPE: Final = "hagiang-manifest+json"
MAX_DOCUMENT: Final = 64 * 1024 * 1024
"""Larger files are refused before parsing (a province's manifest is a few megabytes)."""


class InvalidDocument(ValueError):
    """The signed document is malformed, of another type, or its signature does not hold."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str) or "=" in text:
        raise InvalidDocument("expected unpadded base64url text")
    try:
        return base64.b64decode(
            text.translate(str.maketrans("-_", "+/")) + "=" * (-len(text) % 4), validate=True
        )
    except (binascii.Error, ValueError) as exc:
        raise InvalidDocument("bad base64url text") from exc


def sign_document(payload: dict[str, Any], ring: KeyRing, typ: str) -> dict[str, str]:
    """Sign ``payload`` with the ring's current key as a flattened JWS."""
    kid = ring.current_kid
    _, sign = ring.signing_key(kid)
    header = _b64(json.dumps({"alg": "EdDSA", "kid": kid, "typ": typ}).encode())
    body = _b64(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    signature = sign(f"{header}.{body}".encode("ascii"))
    return {"protected": header, "payload": body, "signature": _b64(signature)}


def open_document(
    document: bytes | str | dict[str, Any], ring: KeyRing, typ: str
) -> dict[str, Any]:
    """The verified payload of a signed document, or :class:`InvalidDocument`."""
    if isinstance(document, bytes | str):
        if len(document) > MAX_DOCUMENT:
            raise InvalidDocument("document too large")
        try:
            document = json.loads(document)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidDocument("not JSON") from exc
    if not isinstance(document, dict):
        raise InvalidDocument("expected a JSON object with protected, payload and signature")
    protected, body = document.get("protected"), document.get("payload")
    if not isinstance(protected, str) or not isinstance(body, str):
        raise InvalidDocument("expected protected and payload as base64url text")
    try:
        header = json.loads(_unb64(protected))
    except ValueError as exc:
        raise InvalidDocument("bad protected header") from exc
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise InvalidDocument("only EdDSA signatures are accepted")
    if header.get("typ") != typ:
        raise InvalidDocument(f"expected a {typ} document, not {str(header.get('typ'))[:60]}")
    kid = header.get("kid")
    if not isinstance(kid, str) or len(kid) != 8 or not all(c in "0123456789abcdef" for c in kid):
        raise InvalidDocument("missing or malformed kid")
    found = ring.verifying_key(bytes.fromhex(kid))
    if found is None:
        raise InvalidDocument(f"signed by key {kid}, which is not in the key set")
    entry, check = found
    signature = _unb64(document.get("signature"))
    if len(signature) != 64 or not check(signature, f"{protected}.{body}".encode("ascii")):
        raise InvalidDocument("signature does not match")
    if entry.status is KeyStatus.REVOKED:
        raise InvalidDocument(f"signed by key {kid}, which the authority has revoked")
    try:
        payload = json.loads(_unb64(body))
    except ValueError as exc:
        raise InvalidDocument("payload is not JSON") from exc
    if not isinstance(payload, dict):
        raise InvalidDocument("payload must be a JSON object")
    return payload


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_utc(text: object) -> datetime:
    if not isinstance(text, str):
        raise InvalidDocument("expected an RFC 3339 time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidDocument(f"bad time {text[:40]!r}") from exc
    if moment.tzinfo is None:
        raise InvalidDocument("times must carry an offset")
    return moment
