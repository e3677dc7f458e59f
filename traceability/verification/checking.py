"""One classification of many codes, for every face that checks a delivery: the bulk API
(``POST /api/v1/verify``), the retailer's receiving page and the recorded deliveries.

Reading a stamp here is a check, never a consumer scan: nothing is written, no counter moves.
"""

from __future__ import annotations

import asyncio
from collections import Counter

import asyncpg

from traceability.verification.repository import lookup
from traceability.verification.schemas import StatusCounts, VerifiedStamp, VerifyResult
from traceability.verification.service import BulkVerifier, parse_codes


async def verify_codes(
    conn: asyncpg.Connection, verifier: BulkVerifier, codes: list[str]
) -> VerifyResult:
    """Each code's status (and, for a genuine stamp, its product, lot, cooperative and
    expiry), in the order sent, with ``by_status`` counting each under exactly one status."""
    # Signatures are checked in the worker processes while this one looks the claimed
    # serials up; only serials whose signature holds are answered from the lookup.
    parsed = parse_codes(codes)
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
                VerifiedStamp(valid=False, status="invalid", reason="unknown_serial", serial=serial)
            )
            continue
        items.append(item)
    counts: Counter[str] = Counter(item.status for item in items)
    valid = sum(item.valid for item in items)
    return VerifyResult(
        items=items, by_status=StatusCounts(**counts), valid=valid, invalid=len(items) - valid
    )
