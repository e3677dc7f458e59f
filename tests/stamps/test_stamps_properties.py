"""Hypothesis properties of issue/verify/decode."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stamps
from stamps import InvalidStamp, Reason
from stamps.format import CODE_LENGTH, MAX_SERIAL
from tests.stamps.stamps_support import SEED_A

RING = stamps.KeyRing.from_private_bytes([SEED_A])
serials = st.integers(min_value=0, max_value=MAX_SERIAL)


@given(serials)
def test_issue_then_verify(serial: int) -> None:
    stamp = stamps.issue(serial, RING)
    assert stamps.verify(stamp.code, RING) == stamp
    assert stamps.verify(stamp.url("https://trace.hagiang.gov.vn"), RING) == stamp
    assert stamps.decode(stamp.code) == stamp


@settings(max_examples=300)
@given(serials, st.integers(0, CODE_LENGTH - 1), st.characters(codec="utf-8"))
def test_any_single_character_change_fails(serial: int, index: int, char: str) -> None:
    code = stamps.issue(serial, RING).code
    if code[index] == char:
        return
    mutated = code[:index] + char + code[index + 1 :]
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(mutated, RING)
    assert info.value.reason is not Reason.REVOKED_KEY


@settings(max_examples=300)
@given(st.text())
def test_arbitrary_text_raises_only_invalid_stamp(text: str) -> None:
    for function in (stamps.decode, lambda t: stamps.verify(t, RING)):
        with contextlib.suppress(InvalidStamp):
            function(text)


@given(st.from_regex(r"\A[0-9]{177}\Z"))
def test_random_digit_codes_never_verify(code: str) -> None:
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(code, RING)
    assert info.value.reason is not Reason.REVOKED_KEY
