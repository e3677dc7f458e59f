"""POST /api/v1/verify for supermarket chains; the published keys at /.well-known/jwks.json."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from stamps import KeyRing
from traceability.accounts.guards import AUTHENTICATED
from traceability.deps import Conn
from traceability.errors import TraceabilityError
from traceability.signing import Keys
from traceability.verification.checking import verify_codes
from traceability.verification.schemas import PublicKeySet, VerifyRequest, VerifyResult
from traceability.verification.service import Verifier

MAX_CODES = 10_000


class TooManyCodes(TraceabilityError):
    """Too many codes in one request."""

    status: ClassVar[int] = 413
    slug: ClassVar[str] = "too-large"


class VerifyController(Controller):
    path = "/api/v1/verify"
    tags = ["verification"]
    guards = [AUTHENTICATED]

    @post(
        "/",
        status_code=200,
        summary="Verify up to 10,000 stamp codes or URLs at once",
        description=(
            "For a delivery checked at the dock: each code gets a `status` (activated, "
            "not_activated, revoked, suspicious or invalid, see `VerifiedStamp.status`) and, "
            "when not valid, a `reason`; `by_status` counts every item under exactly one "
            "status. Retailer checks are never counted as consumer scans."
        ),
    )
    async def verify_stamps(
        self, conn: Conn, verifier: Verifier, data: JSONBody[VerifyRequest]
    ) -> VerifyResult:
        if len(data.codes) > MAX_CODES:
            raise TooManyCodes(f"Send at most {MAX_CODES:,} codes per request.", limit=MAX_CODES)
        return await verify_codes(conn, verifier, data.codes)


_jwks_cache: list[tuple[KeyRing, bytes, str]] = []
"""The last ring published and its body and ETag (a new ring object after every change)."""


@get(
    "/.well-known/jwks.json",
    summary="The authority's public stamp keys (current, retired and revoked)",
    tags=["verification"],
    include_in_schema=True,
    media_type="application/jwk-set+json",
    responses={
        200: ResponseSpec(
            PublicKeySet, description="The key set", media_type="application/jwk-set+json"
        )
    },
)
async def jwks(request: Request[Any, Any, Any], keys: Keys) -> Response[bytes]:
    ring = keys.ring
    if not _jwks_cache or _jwks_cache[0][0] is not ring:
        body = msgspec.json.encode(ring.to_jwks())
        _jwks_cache[:] = [(ring, body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"')]
    _, body, etag = _jwks_cache[0]
    headers = {
        "Cache-Control": "public, max-age=300, stale-while-revalidate=86400",
        "ETag": etag,
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/jwk-set+json", headers=headers)
