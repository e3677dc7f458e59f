from __future__ import annotations

import re

from stamps import check_pin, scratch_pin

SECRET = b"province pin secret"


def test_pin_format_and_determinism() -> None:
    pin = scratch_pin(SECRET, 12345)
    assert re.fullmatch(r"\d{4}-\d{4}-\d{2}", pin)
    assert scratch_pin(SECRET, 12345) == pin
    assert scratch_pin(b"other secret", 12345) != pin
    assert len({scratch_pin(SECRET, s) for s in range(200)}) == 200


def test_check_pin_normalises_separators() -> None:
    pin = scratch_pin(SECRET, 7)
    digits = pin.replace("-", "")
    for entered in (pin, digits, f" {digits[:3]} {digits[3:6]} {digits[6:]} ", pin + "\n"):
        assert check_pin(SECRET, 7, entered)


def test_wrong_pins_rejected() -> None:
    digits = scratch_pin(SECRET, 7).replace("-", "")
    wrong_digit = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    for entered in (wrong_digit, digits[:-1], digits + "0", "", "abcdefghij", "١" * 10):
        assert not check_pin(SECRET, 7, entered)
    assert not check_pin(SECRET, 8, digits)
    assert not check_pin(SECRET, -1, digits)
