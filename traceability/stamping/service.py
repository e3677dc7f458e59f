"""Ordering batches and changing stamp states: rules that span the registry and stamps."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

import asyncpg
import msgspec

from stamps.layouts import DEFAULT_STOCK, FALLBACK_STOCKS, STOCKS, LayoutError
from stamps.sheets import SheetLayout
from traceability.accounts.repository import Principal
from traceability.audit.repository import record
from traceability.errors import Conflict, InvalidInput, NotFound
from traceability.registry.access import acting_cooperative, check_owner
from traceability.settings import Settings
from traceability.stamping import budget
from traceability.stamping import repository as repo
from traceability.stamping.downloads import PrintJob
from traceability.stamping.schemas import (
    ActivationRequest,
    LifecycleResult,
    RangeChange,
    RevocationRequest,
    StampBatch,
    StampBatchCancellation,
    StampBatchOrder,
    StampSelection,
)


class IdempotencyMismatch(InvalidInput):
    """This Idempotency-Key was already used for a different order."""


async def order_batch(
    conn: asyncpg.Connection,
    principal: Principal,
    settings: Settings,
    key_id: str,
    order: StampBatchOrder,
    idempotency_key: str | None,
) -> tuple[StampBatch, bool]:
    """Create the batch (or find the one this Idempotency-Key made); True if it is new."""
    cooperative_id = acting_cooperative(principal, order.cooperative_id)
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput("An Idempotency-Key has 1 to 200 characters.")

    # The hash covers the order as the cooperative meant it, so a retry that names the
    # cooperative explicitly is the same order as one that relied on the key's own.
    meant = msgspec.structs.replace(order, cooperative_id=cooperative_id)
    request_hash = hashlib.sha256(msgspec.json.encode(meant)).digest()
    if idempotency_key is not None:
        replay = await _replay(conn, cooperative_id, idempotency_key, request_hash)
        if replay is not None:
            return replay, False

    owner = await repo.product_owner(conn, order.product_id, order.lot_id)
    if owner is None or owner[0] != cooperative_id:
        raise NotFound(f"The cooperative has no product {order.product_id}.")
    if not owner[1]:
        raise InvalidInput(
            "Lot %(lot)s is not a lot of product %(product)s.",
            params={"lot": order.lot_id, "product": order.product_id},
            field="lot_id",
        )
    gtin = owner[2] if order.stamp_form == "gs1-digital-link" else None
    if order.stamp_form == "gs1-digital-link" and gtin is None:
        raise InvalidInput(
            "GS1 Digital Link stamps carry the product's GTIN: give the product a GTIN first.",
            field="stamp_form",
        )

    first = await repo.allocate_serials(conn, order.quantity)
    batch_id = await repo.insert_batch(
        conn,
        cooperative_id=cooperative_id,
        product_id=order.product_id,
        lot_id=order.lot_id,
        first_serial=first,
        quantity=order.quantity,
        key_id=key_id,
        unit_price_vnd=settings.stamp_unit_price_vnd,
        subsidy_share=settings.subsidy_share,
        idempotency_key=idempotency_key,
        request_hash=request_hash if idempotency_key is not None else None,
        created_by=principal.key_id,
        stamp_form=order.stamp_form,
        gtin=gtin,
        scratch_pins=order.scratch_pins,
    )
    if batch_id is None:
        # A concurrent retry with the same key committed first; its batch is the answer.
        assert idempotency_key is not None
        replay = await _replay(conn, cooperative_id, idempotency_key, request_hash)
        if replay is None:
            raise Conflict("A concurrent order with this Idempotency-Key did not complete.")
        return replay, False
    fresh = await repo.get_batch(conn, batch_id)
    assert fresh is not None
    await budget.on_order(conn, principal, settings, fresh)
    batch = await repo.get_batch(conn, batch_id)
    assert batch is not None
    await record(
        conn,
        principal,
        "create",
        "stamp_batch",
        batch.id,
        cooperative_id=cooperative_id,
        after=batch,
    )
    return batch, True


async def _replay(
    conn: asyncpg.Connection, cooperative_id: int, key: str, request_hash: bytes
) -> StampBatch | None:
    found = await repo.find_by_idempotency_key(conn, cooperative_id, key)
    if found is None:
        return None
    if found["request_hash"] != request_hash:
        raise IdempotencyMismatch(
            "This Idempotency-Key was already used for a different order; "
            "use a new key for a new order.",
            batch_id=found["id"],
        )
    return await repo.get_batch(conn, found["id"])


async def visible_batch(
    conn: asyncpg.Connection, principal: Principal, batch_id: int
) -> StampBatch:
    """The batch if this key may see it; another cooperative's batch does not exist for it."""
    batch = await repo.get_batch(conn, batch_id)
    missing = f"No stamp batch {batch_id}."
    if batch is None:
        raise NotFound(missing)
    check_owner(principal, batch.cooperative_id, missing)
    return batch


@dataclass(frozen=True, slots=True)
class _Range:
    batch: StampBatch
    first: int
    last: int


async def _selected(
    conn: asyncpg.Connection, principal: Principal, selection: StampSelection
) -> list[_Range]:
    if selection.lot_id is not None:
        if selection.batch_id is not None or selection.first_serial is not None:
            raise InvalidInput("Select by lot_id alone, or by batch and serials.")
        ranges = []
        for row in await repo.ranges_of_lot(conn, selection.lot_id):
            batch = await visible_batch(conn, principal, row["batch_id"])
            if batch.status != "cancelled":
                ranges.append(_Range(batch, row["first_serial"], row["last_serial"]))
        if not ranges:
            raise NotFound(
                "No stamps are assigned to lot %(lot)s yet: activate them by range first.",
                params={"lot": selection.lot_id},
                field="lot_id",
            )
        return ranges
    if selection.first_serial is None or selection.last_serial is None:
        assert selection.batch_id is not None
        batch = await visible_batch(conn, principal, selection.batch_id)
        return [_Range(batch, batch.first_serial, batch.last_serial)]
    batch_id = selection.batch_id or await repo.batch_for_serial(conn, selection.first_serial)
    if batch_id is None:
        raise NotFound(
            "Serial %(serial)s is in none of your stamp orders.",
            params={"serial": selection.first_serial},
            field="first_serial",
        )
    batch = await visible_batch(conn, principal, batch_id)
    if (
        not batch.first_serial
        <= selection.first_serial
        <= selection.last_serial
        <= batch.last_serial
    ):
        raise InvalidInput(
            "Serials %(first)s–%(last)s are not all in order %(batch)s (%(low)s–%(high)s).",
            params={
                "first": selection.first_serial,
                "last": selection.last_serial,
                "batch": batch.id,
                "low": batch.first_serial,
                "high": batch.last_serial,
            },
            field="last_serial",
        )
    return [_Range(batch, selection.first_serial, selection.last_serial)]


def require_approved(batch: StampBatch) -> None:
    """An order beyond its subsidy budget is printed and activated only once approved."""
    if batch.approval == "waiting":
        raise Conflict(
            "Order %(batch)s is beyond its cooperative's subsidy budget and waits for the "
            "authority's approval: its stamps cannot be printed or activated yet.",
            params={"batch": batch.id},
            batch_id=batch.id,
            approval=batch.approval,
        )
    if batch.approval == "rejected":
        raise Conflict(
            "Order %(batch)s was rejected by the authority: its stamps cannot be printed or "
            "activated.",
            params={"batch": batch.id},
            batch_id=batch.id,
            approval=batch.approval,
        )


async def cancel_batch(
    conn: asyncpg.Connection,
    principal: Principal,
    batch_id: int,
    request: StampBatchCancellation,
) -> tuple[StampBatch, bool]:
    """Cancel an order nobody has printed or activated yet; True if this call cancelled it.

    Cancelling a cancelled order again changes nothing (a double click is harmless). Once
    its print files were downloaded the stamps may be on paper: they can only be revoked.
    """
    await visible_batch(conn, principal, batch_id)
    # Lock first, read after: an activation or download in flight has committed by then.
    await repo.lock_batch(conn, batch_id)
    batch = await repo.get_batch(conn, batch_id)
    assert batch is not None
    if batch.status == "cancelled":
        return batch, False
    if batch.status != "ordered":
        raise Conflict(
            "The stamps of this order were already downloaded or activated, so it can no "
            "longer be cancelled: revoke its stamps instead.",
            batch_id=batch.id,
            order_status=batch.status,
        )
    await repo.cancel_batch(conn, batch_id, request.reason)
    cancelled = await repo.get_batch(conn, batch_id)
    assert cancelled is not None
    await record(
        conn, principal, "cancel", "stamp_batch", batch_id,
        cooperative_id=batch.cooperative_id, before=batch, after=cancelled,
    )  # fmt: skip
    return cancelled, True


async def mark_downloaded(conn: asyncpg.Connection, batch: StampBatch) -> None:
    """Record the first download of an order's print files (refused once it is cancelled)."""
    if not await repo.mark_downloaded(conn, batch.id):
        raise Conflict(
            "This order was cancelled: its stamps cannot be printed.",
            batch_id=batch.id,
            order_status="cancelled",
        )


def _refuse_cancelled(ranges: list[_Range]) -> None:
    for r in ranges:
        if r.batch.status == "cancelled":
            raise Conflict(
                "Order %(batch)s was cancelled: its stamps cannot be activated.",
                params={"batch": r.batch.id},
                batch_id=r.batch.id,
            )


async def activate(
    conn: asyncpg.Connection, principal: Principal, request: ActivationRequest
) -> tuple[LifecycleResult, set[int]]:
    """Activate the selected stamps; returns the rows written and the batches touched.

    Stamps already active are counted in ``already_active``; a selection that is all
    active already (and names no new lot) writes nothing.
    """
    ranges = await _selected(conn, principal, request)
    _refuse_cancelled(ranges)
    for r in ranges:
        require_approved(r.batch)
    if request.assign_lot_id is not None:
        product_id = await repo.lot_product(conn, request.assign_lot_id)
        if product_id is None or any(r.batch.product_id != product_id for r in ranges):
            raise InvalidInput(
                "Lot %(lot)s is not a lot of the stamps' product.",
                params={"lot": request.assign_lot_id},
                field="assign_lot_id",
            )

    active = {r: await repo.active_in_range(conn, r.batch.id, r.first, r.last) for r in ranges}
    already = sum(active.values())
    if request.assign_lot_id is None:
        ranges = [r for r in ranges if active[r] < r.last - r.first + 1]

    async def insert(r: _Range) -> RangeChange:
        return await repo.insert_activation(
            conn, r.batch.id, r.first, r.last, request.assign_lot_id, principal.key_id
        )

    result, touched = await _change_ranges(conn, principal, "activate", ranges, insert)
    newly = sum(r.last - r.first + 1 - active[r] for r in ranges)
    return msgspec.structs.replace(result, newly_active=newly, already_active=already), touched


async def revoke(
    conn: asyncpg.Connection, principal: Principal, request: RevocationRequest
) -> tuple[LifecycleResult, set[int]]:
    ranges = await _selected(conn, principal, request)

    async def insert(r: _Range) -> RangeChange:
        return await repo.insert_revocation(
            conn, r.batch.id, r.first, r.last, request.reason, principal.key_id, request.category
        )

    return await _change_ranges(conn, principal, "revoke", ranges, insert)


async def _change_ranges(
    conn: asyncpg.Connection,
    principal: Principal,
    action: str,
    ranges: list[_Range],
    insert: Callable[[_Range], Awaitable[RangeChange]],
) -> tuple[LifecycleResult, set[int]]:
    """Write one range row per selected range, each with its audit entry."""
    changes = []
    for r in ranges:
        change = await insert(r)
        await record(
            conn, principal, action, "stamp_batch", r.batch.id,
            cooperative_id=r.batch.cooperative_id, after=change,
        )  # fmt: skip
        changes.append(change)
    return LifecycleResult(changes, sum(c.count for c in changes)), {r.batch.id for r in ranges}


def laid_out(job: PrintJob, chosen: bool) -> PrintJob:
    """The print job on a stock that carries its labels, checked before anything is sent.

    A stock the user ``chosen`` is kept or refused with the reason; with none chosen, the
    default stock, or else the first fallback that carries the labels.
    """
    names = [job.layout.stock.name] if chosen else [DEFAULT_STOCK, *FALLBACK_STOCKS]
    refusal = ""
    for name in names:
        candidate = job if chosen else replace(job, layout=SheetLayout(STOCKS[name]))
        try:
            candidate.design()
        except LayoutError as exc:
            refusal = refusal or str(exc)
            continue
        return candidate
    raise InvalidInput(refusal)
