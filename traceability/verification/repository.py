"""Looking up many verified serials in one statement."""

from __future__ import annotations

import asyncpg

from traceability.db.sql import queries_beside
from traceability.verification.schemas import Status, VerifiedStamp

Q = queries_beside(__file__)


def _status(row: asyncpg.Record) -> Status:
    if row["revocation_reason"] is not None:
        return "revoked"
    if not row["activated"]:
        return "not_activated"
    if row["suspicious"]:
        return "suspicious"
    return "activated"


async def lookup(conn: asyncpg.Connection, serials: list[int]) -> dict[int, VerifiedStamp]:
    if not serials:
        return {}
    rows = await conn.fetch(Q["lookup_serials"], serials)
    return {
        r["serial"]: VerifiedStamp(
            valid=True,
            serial=r["serial"],
            status=_status(r),
            revocation_reason=r["revocation_reason"],
            revocation_category=r["revocation_category"],
            batch_id=r["batch_id"],
            product_id=r["product_id"],
            product_name=r["product_name"],
            gtin=r["gtin"],
            lot_id=r["lot_id"],
            lot_code=r["lot_code"],
            expires_on=r["expires_on"],
            cooperative_id=r["cooperative_id"],
            cooperative_name=r["cooperative_name"],
        )
        for r in rows
    }
