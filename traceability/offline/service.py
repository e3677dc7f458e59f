"""Building and signing the offline kit's documents (format: docs/stamp-format.md §10)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any, Final

import asyncpg

from stamps import KeyRing, KeyStatus
from stamps.offline import MANIFEST_FORMAT, REVOCATIONS_FORMAT
from stamps.signed import MANIFEST_TYPE, REVOCATIONS_TYPE, sign_document, utc_text
from traceability.offline import repository as repo

REFRESH: Final = timedelta(hours=24)
"""Verifiers should fetch new files within this time; after it a list is overdue."""


def _header(format_: str, issuer: str, now: datetime) -> dict[str, Any]:
    return {
        "format": format_,
        "issuer": issuer,
        "issued_at": utc_text(now),
        "next_update": utc_text(now + REFRESH),
    }


async def revocation_list(
    conn: asyncpg.Connection, ring: KeyRing, issuer: str, now: datetime
) -> dict[str, str]:
    """Revoked keys, every revoked stamp, range and batch, and recalled lots' stamps, signed."""
    revoked = [
        {
            "first_serial": row["first_serial"],
            "last_serial": row["last_serial"],
            "scope": row["scope"],
            "reason": row["reason"],
            "category": row["category"],
            "revoked_at": utc_text(row["revoked_at"]),
            "batch_id": row["batch_id"],
            "cooperative_id": row["cooperative_id"],
            **({"gtin": row["gtin"]} if row["gtin"] else {}),
            **({"lot": row["lot"]} if row["lot"] else {}),
        }
        for row in await repo.revoked_ranges(conn)
    ]
    payload = {
        **_header(REVOCATIONS_FORMAT, issuer, now),
        "revoked_keys": [
            {"kid": entry.kid, "reason": "key revoked by the authority"}
            for entry in ring.entries()
            if entry.status is KeyStatus.REVOKED
        ],
        "revoked": revoked,
        "recalled": await _recalled(conn),
    }
    return sign_document(payload, ring, REVOCATIONS_TYPE)


def lot_runs(
    first: int, last: int, batch_lot: int | None, namings: list[tuple[int, int, int]]
) -> list[tuple[int, int, int | None]]:
    """A batch's serials as runs of one lot each: the latest activation naming a lot wins,
    else the lot the batch was ordered for (as the scan page and bulk verification read it).

    ``namings``: (first, last, lot) of the batch's activations that name a lot, oldest first.
    """
    cuts = {first, last + 1}
    for start, end, _ in namings:
        cuts.update((max(start, first), min(end, last) + 1))
    edges = sorted(c for c in cuts if first <= c <= last + 1)
    runs: list[tuple[int, int, int | None]] = []
    for start, after in itertools.pairwise(edges):
        lot = batch_lot
        for named_first, named_last, named_lot in namings:
            if named_first <= start <= named_last:
                lot = named_lot
        if runs and runs[-1][2] == lot and runs[-1][1] == start - 1:
            runs[-1] = (runs[-1][0], after - 1, lot)
        else:
            runs.append((start, after - 1, lot))
    return runs


async def _recalled(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """Every serial run of a recalled lot's stamps, with the recall's reason and time."""
    recalls, batches, namings = await repo.recall_rows(conn)
    by_lot = {r["lot_id"]: r for r in recalls}
    found = []
    for batch in batches:
        named = [
            (n["first_serial"], n["last_serial"], n["lot_id"])
            for n in namings
            if n["batch_id"] == batch["batch_id"]
        ]
        for first, last, lot_id in lot_runs(
            batch["first_serial"], batch["last_serial"], batch["batch_lot_id"], named
        ):
            recall = by_lot.get(lot_id) if lot_id is not None else None
            if recall is None:
                continue
            found.append(
                {
                    "first_serial": first,
                    "last_serial": last,
                    "lot": recall["lot"],
                    **({"gtin": recall["gtin"]} if recall["gtin"] else {}),
                    "reason": recall["reason"],
                    "recalled_at": utc_text(recall["recalled_at"]),
                    "batch_id": batch["batch_id"],
                    "cooperative_id": batch["cooperative_id"],
                }
            )
    return found


async def manifest(
    conn: asyncpg.Connection,
    ring: KeyRing,
    issuer: str,
    now: datetime,
    cooperative_id: int | None = None,
) -> dict[str, str]:
    """Serial ranges → product, GTIN, lot, cooperative, expiry and activation, signed.

    A batch gives one range (not activated); each activation inside it gives a narrower
    range (activated, with the lot named at activation), which verifiers prefer.
    """
    batches, activations = await repo.manifest_rows(conn, cooperative_id)
    by_batch = {row["batch_id"]: row for row in batches}
    ranges: list[dict[str, Any]] = []
    for row in batches:
        ranges.append(_range(row, row, activated=False))
    for row in activations:
        batch = by_batch[row["batch_id"]]
        ranges.append(_range(batch, row, activated=True))
    payload = {
        **_header(MANIFEST_FORMAT, issuer, now),
        "cooperative_id": cooperative_id,
        "ranges": ranges,
    }
    return sign_document(payload, ring, MANIFEST_TYPE)


def _range(batch: dict[str, Any], row: dict[str, Any], *, activated: bool) -> dict[str, Any]:
    found: dict[str, Any] = {
        "first_serial": row["first_serial"],
        "last_serial": row["last_serial"],
        "batch_id": batch["batch_id"],
        "activated": activated,
        "product": batch["product"],
        "cooperative": batch["cooperative"],
        "cooperative_id": batch["cooperative_id"],
    }
    if batch["gtin"]:
        found["gtin"] = batch["gtin"]
    if row["lot"]:
        found["lot"] = row["lot"]
    if row["expires_on"] is not None:
        found["expires_on"] = row["expires_on"].isoformat()
    return found
