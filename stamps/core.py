"""Issue and verify stamps (Fernet-shaped API over :mod:`stamps.format`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from multiprocessing import get_context
from typing import Final

from stamps.format import (
    CODE_LENGTH,
    HEADER_SIZE,
    KEY_ID_SIZE,
    MAX_SERIAL,
    SIGNING_CONTEXT,
    VERSION,
    InvalidStamp,
    Reason,
    Stamp,
    check_gtin,
    check_serial,
    extract_code,
    gs1_message,
    gs1_value,
    parse_gs1,
    parse_payload,
    prepared,
)
from stamps.keys import KeyRing, KeyStatus
from stamps.processes import pool_worker

# Below this many codes a process pool costs more to start than it saves.
_PARALLEL_VERIFY_MIN: Final = 20_000


def issue(
    serial: int, keyring: KeyRing, key_id: str | None = None, *, gtin: str | None = None
) -> Stamp:
    """Sign ``serial`` with the ring's current key (or ``key_id``). Deterministic (Ed25519).

    With ``gtin`` the stamp takes the GS1 Digital Link form, signed for that GTIN.
    """
    check_serial(serial)
    if gtin is not None:
        return next(issue_many([serial], keyring, key_id, gtin=gtin))
    prefix, sign = keyring.signing_key(key_id)
    header = prefix + serial.to_bytes(5, "big")
    payload = header + sign(SIGNING_CONTEXT + header)
    code = str(int.from_bytes(payload, "big")).zfill(CODE_LENGTH)
    return Stamp(VERSION, prefix[1:].hex(), serial, code)


def issue_many(
    serials: Iterable[int] | range,
    keyring: KeyRing,
    key_id: str | None = None,
    *,
    gtin: str | None = None,
) -> Iterator[Stamp]:
    """Like :func:`issue` per serial, with the per-stamp work cut to the bone.

    Everything constant for the key (header prefix, signer, key id text) is
    hoisted so the loop is one Ed25519 signature plus a C-level int->decimal.
    """
    prefix, sign = keyring.signing_key(key_id)
    kid = prefix[1:].hex()
    if gtin is not None:
        yield from _issue_gs1(serials, prefix[1:], sign, check_gtin(gtin))
        return
    context = SIGNING_CONTEXT
    from_bytes = int.from_bytes
    if isinstance(serials, range):
        if len(serials) and (min(serials) < 0 or max(serials) > MAX_SERIAL):
            raise ValueError(f"serials must be in [0, {MAX_SERIAL}]")
        checked: Iterable[int] = serials
    else:
        checked = _checked(serials)
    for serial in checked:
        header = prefix + serial.to_bytes(5, "big")
        code = str(from_bytes(header + sign(context + header), "big"))
        if len(code) != CODE_LENGTH:
            code = code.zfill(CODE_LENGTH)
        yield Stamp(VERSION, kid, serial, code)


def _issue_gs1(
    serials: Iterable[int], kid: bytes, sign: Callable[[bytes], bytes], gtin: str
) -> Iterator[Stamp]:
    kid_text = kid.hex()
    for serial in _checked(serials):
        signature = sign(gs1_message(kid, gtin, serial))
        yield Stamp(VERSION, kid_text, serial, gs1_value(kid, signature), gtin)


def _checked(serials: Iterable[int]) -> Iterator[int]:
    for serial in serials:
        check_serial(serial)
        yield serial


def decode(code_or_url: str) -> Stamp:
    """Parse a stamp without checking its signature; raises ``InvalidStamp(MALFORMED)``."""
    from stamps.format import decode as _decode

    return _decode(code_or_url)


def verify(code_or_url: str, keyring: KeyRing, now: datetime | None = None) -> Stamp:
    """Authenticate a stamp code or URL, or raise :class:`InvalidStamp`.

    ``now`` is reserved for key validity windows (not-before/expiry); keys have
    no time bounds in format v1, and a revoked key fails whatever the time.
    """
    del now
    text = prepared(code_or_url)
    gs1 = parse_gs1(text)
    if gs1 is not None:
        return _verify_gs1(*gs1, keyring)
    code = extract_code(text)
    header, kid, signature = parse_payload(code)
    found = keyring.verifying_key(kid)
    if found is None:
        raise InvalidStamp(Reason.UNKNOWN_KEY, f"key id {kid.hex()} is not in the key ring")
    entry, check = found
    if not check(signature, SIGNING_CONTEXT + header):
        raise InvalidStamp(Reason.BAD_SIGNATURE, "signature does not match")
    # Checked after the signature so "revoked_key" always means "a genuine
    # signature by a key we no longer trust", never "some garbage".
    if entry.status is KeyStatus.REVOKED:
        raise InvalidStamp(Reason.REVOKED_KEY, f"key {entry.kid} has been revoked")
    serial = int.from_bytes(header[1 + KEY_ID_SIZE : HEADER_SIZE], "big")
    return Stamp(VERSION, entry.kid, serial, code)


def _verify_gs1(
    gtin: str, serial: int, kid_prefix: bytes, signature: bytes, keyring: KeyRing
) -> Stamp:
    """Section 11's check: each key whose id starts with the 3 bytes is tried (usually one)."""
    candidates = keyring.with_kid_prefix(kid_prefix)
    if not candidates:
        raise InvalidStamp(Reason.UNKNOWN_KEY, f"no key id starts with {kid_prefix.hex()}")
    for entry, check in candidates:
        if check(signature, gs1_message(bytes.fromhex(entry.kid), gtin, serial)):
            if entry.status is KeyStatus.REVOKED:
                raise InvalidStamp(Reason.REVOKED_KEY, f"key {entry.kid} has been revoked")
            return Stamp(
                VERSION, entry.kid, serial, gs1_value(bytes.fromhex(entry.kid), signature), gtin
            )
    raise InvalidStamp(Reason.BAD_SIGNATURE, "signature does not match")


def _verify_all(codes: Sequence[str], keyring: KeyRing) -> list[Stamp | InvalidStamp]:
    results: list[Stamp | InvalidStamp] = []
    for code in codes:
        try:
            results.append(verify(code, keyring))
        except InvalidStamp as exc:
            results.append(exc)
    return results


_worker_ring: KeyRing | None = None


def _init_verify_worker(keyring: KeyRing) -> None:
    global _worker_ring
    _worker_ring = keyring


def _verify_chunk(codes: Sequence[str]) -> list[Stamp | InvalidStamp]:
    assert _worker_ring is not None
    return _verify_all(codes, _worker_ring)


def verify_many(
    codes: Sequence[str], keyring: KeyRing, *, workers: int | None = None
) -> list[Stamp | InvalidStamp]:
    """Verify many codes; results line up with ``codes``, failures as exceptions.

    ``workers=None`` uses all cores only for large batches; ``workers=1`` never
    starts processes. Workers only ever receive the public half of the ring.
    """
    if workers is None:
        workers = (os.cpu_count() or 1) if len(codes) >= _PARALLEL_VERIFY_MIN else 1
    if workers <= 1 or len(codes) < 2 * workers:
        return _verify_all(codes, keyring)
    chunk = -(-len(codes) // (workers * 4))
    pieces = [codes[i : i + chunk] for i in range(0, len(codes), chunk)]
    results: list[Stamp | InvalidStamp] = []
    with ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),
        initializer=pool_worker,  # the workers end with this process, even on kill -9
        initargs=(_init_verify_worker, keyring.public_only()),
    ) as pool:
        for part in pool.map(_verify_chunk, pieces):
            results.extend(part)
    return results
