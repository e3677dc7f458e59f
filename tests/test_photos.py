"""One photo reader for every upload: activation, receiving and the public check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.stamping.photos import blank_photo, phone_photo
from traceability.errors import InvalidInput
from traceability.photos import MAX_PHOTOS, PHOTO_MAX_BYTES, codes_in_photo, codes_in_photos

ROOT = Path(__file__).resolve().parents[1] / "traceability"
DECODERS = {"read_qr_texts", "read_photo_texts"}


def test_only_the_photo_reader_calls_the_qr_decoder() -> None:
    """A second reader would drift from the first (its limits, its formats, its errors)."""
    callers = sorted(
        str(path.relative_to(ROOT.parent))
        for path in ROOT.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom)
        and node.module == "stamps.render"
        and DECODERS & {alias.name for alias in node.names}
    )
    assert callers == ["traceability/photos.py"]


async def test_codes_in_photos_each_once_and_the_photos_without_one() -> None:
    one = phone_photo(["https://tem.hagiang.example/s/A", "https://tem.hagiang.example/s/B"])
    again = phone_photo(["https://tem.hagiang.example/s/B"])
    codes, empty = await codes_in_photos([one, again, blank_photo(), b"not a photo"], field="f")
    assert sorted(codes) == ["https://tem.hagiang.example/s/A", "https://tem.hagiang.example/s/B"]
    assert empty == 2


def test_a_photo_too_large_is_not_read() -> None:
    assert codes_in_photo(b"\xff" * (PHOTO_MAX_BYTES + 1)) is None


async def test_too_many_photos_is_said_beside_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        await codes_in_photos([blank_photo()] * (MAX_PHOTOS + 1), field="photos")
    assert refused.value.extra["field"] == "photos"
    assert "10" in refused.value.detail
