"""The issuer's cheaper check (re-sign and compare) agrees with public-key verification."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from stamps import InvalidStamp, KeyRing, Reason, issue, verify

RING = KeyRing.from_private_bytes([bytes(range(32))])
PUBLIC = RING.public_only()


def _verdict(code: str, ring: KeyRing) -> str:
    try:
        return f"ok:{verify(code, ring).serial}"
    except InvalidStamp as exc:
        return exc.reason.value


@settings(max_examples=200, deadline=None)
@given(serial=st.integers(0, 2**40 - 1), position=st.integers(0, 176), digit=st.integers(0, 9))
def test_private_and_public_rings_agree(serial: int, position: int, digit: int) -> None:
    code = issue(serial, RING).code
    mangled = code[:position] + str(digit) + code[position + 1 :]
    assert _verdict(code, RING) == _verdict(code, PUBLIC) == f"ok:{serial}"
    assert _verdict(mangled, RING) == _verdict(mangled, PUBLIC)


def test_revoked_key_still_tells_genuine_from_garbage() -> None:
    ring = KeyRing.from_private_bytes([bytes(range(32))])
    kid = ring.current_kid
    genuine = issue(5, ring).code
    forged = genuine[:-3] + ("000" if genuine[-3:] != "000" else "111")
    verify(genuine, ring)  # warms the issuer check's cache; revoking must drop it
    ring.rotate()
    ring.revoke(kid)
    assert _verdict(genuine, ring) == Reason.REVOKED_KEY.value
    assert _verdict(forged, ring) == Reason.BAD_SIGNATURE.value
