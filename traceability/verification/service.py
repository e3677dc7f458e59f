"""Verifying many stamps at once on every core.

``stamps.verify_many`` starts a process pool per call; a service answering many bulk
requests keeps one pool for its life instead, started on first need (spawning takes a
moment). The workers get the whole ring: they are this service's own processes, and with
the private keys a stamp is checked by re-signing (a third of a verification's cost; see
``stamps._crypto.issuer_verifier``).

This process parses the codes (cheap: a decimal string to 74 bytes) and the workers get
only the packed payloads and answer one status byte each, so the pool spends its time on
Ed25519 and nothing else; meanwhile this process can look the claimed serials up.
The checks are those of :func:`stamps.verify`, in the same order.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Final

from litestar.di import NamedDependency

from stamps import InvalidStamp, KeyRing, Reason, verify
from stamps.format import (
    CODE_LENGTH,
    HEADER_SIZE,
    KEY_ID_SIZE,
    PAYLOAD_SIZE,
    SIGNING_CONTEXT,
    extract_code,
    parse_gs1,
    parse_payload,
    prepared,
)
from stamps.keys import KeyStatus
from stamps.processes import pool_worker

# Below this many codes, shipping them to other processes costs more than it saves.
PARALLEL_MIN: Final = 2_000

Outcome = tuple[int, str | None]
"""(serial, None) for an authentic stamp; (-1, reason) otherwise."""

_OK, _UNKNOWN_KEY, _BAD_SIGNATURE, _REVOKED_KEY = 0, 1, 2, 3
_REASONS: Final = {
    _UNKNOWN_KEY: Reason.UNKNOWN_KEY.value,
    _BAD_SIGNATURE: Reason.BAD_SIGNATURE.value,
    _REVOKED_KEY: Reason.REVOKED_KEY.value,
}

_ring: KeyRing | None = None


def _init_worker(ring: KeyRing) -> None:
    global _ring
    _ring = ring


@dataclass(frozen=True, slots=True)
class Parsed:
    """Codes parsed in order: well-formed ones packed, the others with their reason."""

    payloads: bytes
    """The well-formed codes' 74-byte payloads, back to back."""
    slots: list[int | str | tuple[str]]
    """Per code: the index of its payload, why it is malformed, or ``(text,)`` for a GS1
    Digital Link stamp (docs/stamp-format.md §11), checked whole in this process."""
    claimed: list[int]
    """The distinct serials the well-formed codes claim (signatures unchecked)."""


def parse_codes(codes: list[str]) -> Parsed:
    packed = bytearray()
    slots: list[int | str | tuple[str]] = []
    claimed: set[int] = set()
    count = 0
    for code in codes:
        try:
            if not (len(code) == CODE_LENGTH and code.isascii() and code.isdigit()):
                if "8030=" in code:  # the GS1 form: rare at docks, so checked whole
                    gs1 = parse_gs1(prepared(code))
                    if gs1 is not None:
                        slots.append((code,))
                        claimed.add(gs1[1])
                        continue
                code = extract_code(code)  # a URL, spaces around, or malformed
            header, _, signature = parse_payload(code)
        except InvalidStamp as exc:
            slots.append(exc.reason.value)
            continue
        packed += header
        packed += signature
        claimed.add(int.from_bytes(header[1 + KEY_ID_SIZE :], "big"))
        slots.append(count)
        count += 1
    return Parsed(bytes(packed), slots, list(claimed))


def check_payloads(payloads: bytes, ring: KeyRing | None = None) -> bytes:
    """One status byte per payload: ok, unknown key, bad signature or revoked key."""
    ring = ring or _ring
    assert ring is not None
    out = bytearray(len(payloads) // PAYLOAD_SIZE)
    verifying_key = ring.verifying_key
    revoked = KeyStatus.REVOKED
    context = SIGNING_CONTEXT
    for i in range(len(out)):
        payload = payloads[i * PAYLOAD_SIZE : (i + 1) * PAYLOAD_SIZE]
        found = verifying_key(payload[1 : 1 + KEY_ID_SIZE])
        if found is None:
            out[i] = _UNKNOWN_KEY
            continue
        entry, check = found
        if not check(payload[HEADER_SIZE:], context + payload[:HEADER_SIZE]):
            out[i] = _BAD_SIGNATURE
        elif entry.status is revoked:
            out[i] = _REVOKED_KEY
    return bytes(out)


def outcomes(parsed: Parsed, statuses: bytes, ring: KeyRing) -> list[Outcome]:
    payloads = parsed.payloads
    results: list[Outcome] = []
    append = results.append
    for slot in parsed.slots:
        if isinstance(slot, str):
            append((-1, slot))
            continue
        if isinstance(slot, tuple):
            try:
                append((verify(slot[0], ring).serial, None))
            except InvalidStamp as exc:
                append((-1, exc.reason.value))
            continue
        status = statuses[slot]
        if status:
            append((-1, _REASONS[status]))
        else:
            start = slot * PAYLOAD_SIZE + 1 + KEY_ID_SIZE
            append((int.from_bytes(payloads[start : slot * PAYLOAD_SIZE + HEADER_SIZE]), None))
    return results


class BulkVerifier:
    def __init__(self, ring: KeyRing, workers: int | None = None) -> None:
        self._ring = ring
        self._workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=get_context("spawn"),
                initializer=pool_worker,  # the workers end with this process, even on kill -9
                initargs=(_init_worker, self._ring),
            )
        return self._pool

    async def check(self, parsed: Parsed) -> list[Outcome]:
        """Check the parsed codes' signatures; outcomes line up with the codes."""
        payloads = parsed.payloads
        count = len(payloads) // PAYLOAD_SIZE
        if count < PARALLEL_MIN or self._workers < 2:
            statuses = await asyncio.to_thread(check_payloads, payloads, self._ring)
            return outcomes(parsed, statuses, self._ring)
        loop = asyncio.get_running_loop()
        pool = self._executor()
        # One chunk per worker: equal work (Ed25519 costs the same per code), least IPC.
        size = -(-count // self._workers) * PAYLOAD_SIZE
        parts = await asyncio.gather(
            *(
                loop.run_in_executor(pool, check_payloads, payloads[i : i + size])
                for i in range(0, len(payloads), size)
            )
        )
        return outcomes(parsed, b"".join(parts), self._ring)

    async def verify(self, codes: list[str]) -> list[Outcome]:
        return await self.check(parse_codes(codes))

    def use(self, ring: KeyRing) -> None:
        """Check with this ring from now on (after a key change): checks under way finish
        on the old pool, later ones start a pool whose workers hold the new ring."""
        self._ring = ring
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


Verifier = NamedDependency[BulkVerifier]
"""A handler parameter ``verifier: Verifier`` gets the worker's bulk verifier."""
