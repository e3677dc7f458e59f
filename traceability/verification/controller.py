"""POST /api/v1/verify for supermarket chains; the published keys at /.well-known/jwks.json."""

from __future__ import annotations

import asyncio
import hashlib
from collections import Counter
from typing import Any, ClassVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody

from stamps import KeyRing
from traceability.accounts.guards import AUTHENTICATED
from traceability.deps import Conn
from traceability.errors import TraceabilityError
from traceability.signing import Keys
from traceability.verification.repository import lookup
from traceability.verification.schemas import (
    StatusCounts,
    VerifiedStamp,
    VerifyRequest,
    VerifyResult,
)
from traceability.verification.service import Verifier, parse_codes

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
        # Signatures are checked in the worker processes while this one looks the claimed
        # serials up; only serials whose signature holds are answered from the lookup.
        parsed = parse_codes(data.codes)
        verifying = asyncio.ensure_future(verifier.check(parsed))
        try:
            found = await lookup(conn, parsed.claimed)
        except BaseException:
            verifying.cancel()
            raise
        outcomes = await verifying
        items: list[VerifiedStamp] = []
        for serial, reason in outcomes:
            if reason is not None:
                status = "revoked" if reason == "revoked_key" else "invalid"
                items.append(VerifiedStamp(valid=False, status=status, reason=reason))  # type: ignore[arg-type]
                continue
            item = found.get(serial)
            if item is None:
                items.append(
                    VerifiedStamp(
                        valid=False, status="invalid", reason="unknown_serial", serial=serial
                    )
                )
                continue
            items.append(item)
        counts: Counter[str] = Counter(item.status for item in items)
        valid = sum(item.valid for item in items)
        return VerifyResult(
            items=items,
            by_status=StatusCounts(**counts),
            valid=valid,
            invalid=len(items) - valid,
        )


_jwks_cache: list[tuple[KeyRing, bytes, str]] = []
"""The last ring published and its body and ETag (a new ring object after every change)."""


@get(
    "/.well-known/jwks.json",
    summary="The authority's public stamp keys (current, retired and revoked)",
    tags=["verification"],
    include_in_schema=True,
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
