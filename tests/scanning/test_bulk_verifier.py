"""The bulk verifier's outcomes are exactly stamps.verify's, code by code."""

from __future__ import annotations

from stamps import InvalidStamp, KeyRing, issue, verify
from traceability.verification.service import PARALLEL_MIN, BulkVerifier, parse_codes


def _expected(code: str, ring: KeyRing) -> tuple[int, str | None]:
    try:
        return verify(code, ring).serial, None
    except InvalidStamp as exc:
        return -1, exc.reason.value


def _codes() -> tuple[KeyRing, list[str]]:
    ring = KeyRing.generate()
    old = issue(5, ring).code
    ring.rotate()
    revoked = issue(6, ring).code
    ring.revoke(ring.current_kid)
    ring.rotate()
    other = KeyRing.generate()
    good = issue(7, ring).code
    flipped = good[:-3] + ("000" if good[-3:] != "000" else "111")
    arabic = "".join(chr(0x660 + int(d)) for d in good)  # digits, but not ASCII ones
    codes = [
        good,
        old,
        revoked,
        issue(8, other).code,
        flipped,
        "https://TEM.HAGIANG.GOV.VN/S/" + good,
        "  " + good + "\n",
        "9" * 177,  # not version 1
        good[:-1],
        arabic,
        "",
        "x" * 5000,
        good,
    ]
    return ring, codes


async def test_outcomes_match_stamps_verify() -> None:
    ring, codes = _codes()
    verifier = BulkVerifier(ring, workers=1)
    got = await verifier.verify(codes)
    assert got == [_expected(c, ring.public_only()) for c in codes]
    assert {r for _, r in got} >= {None, "malformed", "bad_signature", "unknown_key", "revoked_key"}
    assert sorted(parse_codes(codes).claimed) == [5, 6, 7, 8]


async def test_outcomes_match_in_worker_processes() -> None:
    ring, codes = _codes()
    many = codes * (PARALLEL_MIN // len(codes) + 1)
    verifier = BulkVerifier(ring, workers=2)
    try:
        got = await verifier.verify(many)
    finally:
        verifier.close()
    public = ring.public_only()
    assert got == [_expected(c, public) for c in many]
