"""The offline kit, public at /.well-known/stamps/: cacheable, readable from any origin."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import Parameter

from traceability.deps import Conn
from traceability.offline import service
from traceability.resolver.controller import public_base
from traceability.signing import Keys
from traceability.verification.schemas import SignedDocument

SIGNED = ResponseSpec(
    SignedDocument, description="A JWS, flattened JSON", media_type="application/jose+json"
)


def _document(request: Request[Any, Any, Any], document: dict[str, str]) -> Response[bytes]:
    body = msgspec.json.encode(document)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "Cache-Control": "public, max-age=300",
        "ETag": etag,
        "Access-Control-Allow-Origin": "*",
    }
    if request.headers.get("if-none-match") == etag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/jose+json", headers=headers)


@get(
    "/.well-known/stamps/revocations.json",
    summary="Signed revocation list for offline verification",
    description=(
        "Revoked keys and every revoked stamp, serial range and batch, with its reason, "
        "issue time and next update; a JWS (flattened JSON, EdDSA) signed by the authority's "
        "stamp key, verifiable with /.well-known/jwks.json alone (docs/stamp-format.md §10)."
    ),
    tags=["verification"],
    media_type="application/jose+json",
    responses={200: SIGNED},
)
async def revocations_document(
    request: Request[Any, Any, Any], keys: Keys, conn: Conn
) -> Response[bytes]:
    document = await service.revocation_list(
        conn, keys.ring, public_base(request), datetime.now(UTC)
    )
    return _document(request, document)


@get(
    "/.well-known/stamps/manifest.json",
    summary="Signed batch manifest for offline verification",
    description=(
        "Serial ranges → product, GTIN, lot, cooperative, expiry and whether activated, for "
        "every batch or one cooperative's (`?cooperative=ID`); signed like the revocation list."
    ),
    tags=["verification"],
    media_type="application/jose+json",
    responses={200: SIGNED},
)
async def manifest_document(
    request: Request[Any, Any, Any],
    keys: Keys,
    conn: Conn,
    cooperative: Annotated[int | None, Parameter(ge=1, le=2**63 - 1)] = None,
) -> Response[bytes]:
    document = await service.manifest(
        conn, keys.ring, public_base(request), datetime.now(UTC), cooperative
    )
    return _document(request, document)


ROUTES = [revocations_document, manifest_document]
