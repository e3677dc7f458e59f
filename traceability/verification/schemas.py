"""Bulk verification in and out."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from traceability.scanning.schemas import StoredRevocationCategory

Status = Annotated[
    Literal["activated", "not_activated", "revoked", "suspicious", "invalid"],
    msgspec.Meta(
        description=(
            "What to do with this stamp. Every item has exactly one status: "
            "`activated`: a genuine stamp the cooperative activated, nothing wrong known; "
            "`not_activated`: genuine but never activated (stolen or unused printed stock: "
            "do not accept the goods as sold stock); "
            "`revoked`: genuine but withdrawn by the cooperative or the authority, or of a "
            "recalled lot (`revocation_reason` says why, `revocation_category` how), or "
            "signed by a key the authority revoked "
            "(`reason` `revoked_key`); "
            "`suspicious`: genuine but scanned in a pattern that looks like a copied stamp "
            "(potential suspect, for investigation, not proof of a fake); "
            "`invalid`: not a genuine stamp of this service (`reason` says why)."
        )
    ),
]
Reason = Annotated[
    Literal["malformed", "unknown_key", "bad_signature", "revoked_key", "unknown_serial"],
    msgspec.Meta(
        description=(
            "Why a stamp is not valid: "
            "`malformed`: not a stamp code or stamp URL (truncated, mistyped, another QR); "
            "`unknown_key`: signed with a key the authority never published; "
            "`bad_signature`: the signature does not match (altered or forged code); "
            "`revoked_key`: a genuine signature by a key the authority has revoked; "
            "`unknown_serial`: a genuine signature on a serial no batch holds."
        )
    ),
]


class StatusCounts(msgspec.Struct, frozen=True):
    """How many items have each status; the five numbers add up to the number of codes."""

    activated: int = 0
    not_activated: int = 0
    revoked: int = 0
    suspicious: int = 0
    invalid: int = 0


class VerifyRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    codes: list[str]
    """Stamp codes or stamp URLs, up to 10,000."""


class VerifiedStamp(msgspec.Struct, frozen=True, omit_defaults=True):
    """One result; results line up with the codes sent."""

    valid: bool
    """The signature is genuine and the serial belongs to a batch (whatever its status)."""
    status: Status
    reason: Reason | None = None
    serial: int | None = None
    revocation_reason: str | None = None
    revocation_category: StoredRevocationCategory | None = None
    """``recalled`` for a stamp of a recalled lot; else the revocation's category."""
    batch_id: int | None = None
    product_id: int | None = None
    product_name: str | None = None
    gtin: str | None = None
    lot_id: int | None = None
    lot_code: str | None = None
    expires_on: date | None = None
    cooperative_id: int | None = None
    cooperative_name: str | None = None


class VerifyResult(msgspec.Struct, frozen=True):
    items: list[VerifiedStamp]
    """One per code sent, in the same order."""
    by_status: StatusCounts
    """Read this, not ``valid``: a revoked or not-activated stamp is genuine yet not sellable."""
    valid: int
    """Items whose ``valid`` is true (genuine and known), whatever their status."""
    invalid: int
    """Items whose ``valid`` is false."""


class PublicKey(msgspec.Struct, frozen=True):
    """One Ed25519 public key (RFC 8037); ``status`` tells verifiers about revocation."""

    kty: Literal["OKP"]
    crv: Literal["Ed25519"]
    x: str
    kid: str
    alg: Literal["EdDSA"]
    use: Literal["sig"]
    status: str


class PublicKeySet(msgspec.Struct, frozen=True):
    """``/.well-known/jwks.json`` (the body is written by ``KeyRing.to_jwks``)."""

    keys: list[PublicKey]


class SignedDocument(msgspec.Struct, frozen=True):
    """A JWS in flattened JSON serialization (RFC 7515 §7.2.2), signed with EdDSA."""

    protected: str
    payload: str
    signature: str
