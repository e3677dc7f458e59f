"""The purpose-built QR encoder (stamps._qr) against qrcode, module for module."""

from __future__ import annotations

import io
import zlib

import pytest
import qrcode
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, MODE_NUMBER, QRData

import stamps
from stamps import _qr
from stamps.format import CODE_LENGTH, qr_segments, stamp_url_base
from stamps.labels import SheetPainter
from stamps.layouts import custom_grid
from stamps.render import (
    LabelText,
    qr_matrix,
    qr_packed,
    qr_version,
    read_qr_texts,
)
from stamps.sheets import SheetLayout, iter_png_pages, png_from_packed, write_pdf
from tests.stamps.stamps_support import PUBLIC_URL

_EC = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_MODES = {"byte": MODE_8BIT_BYTE, "alnum": MODE_ALPHA_NUM, "numeric": MODE_NUMBER}
TEXT = LabelText("Chè Shan tuyết Hoàng Su Phì", "HTX Chè Hoàng Su Phì")


def _reference(
    segments: list[tuple[str, str]], level: str, mask: int
) -> tuple[int, list[list[bool]]]:
    code = qrcode.QRCode(error_correction=_EC[level], border=0, mask_pattern=mask)
    for mode, text in segments:
        code.add_data(QRData(text.encode("utf-8"), mode=_MODES[mode]))
    code.make(fit=True)
    return int(code.version), [[bool(m) for m in row] for row in code.modules]


def test_block_table_matches_qrcode() -> None:
    from qrcode import base

    for (version, level), (ec, groups) in _qr._BLOCKS.items():
        blocks = base.rs_blocks(version, _EC[level])
        expected = [(b.total_count, b.data_count) for b in blocks]
        assert expected == [(size + ec, size) for count, size in groups for _ in range(count)]


def test_reed_solomon_known_vector() -> None:
    # ISO/IEC 18004 annex I example (1-M, "01234567").
    data = bytes([16, 32, 12, 86, 97, 128, 236, 17, 236, 17, 236, 17, 236, 17, 236, 17])
    assert _qr.rs_remainder(data, 10) == [165, 36, 212, 193, 237, 54, 199, 135, 44, 85]


segment = st.one_of(
    st.tuples(st.just("byte"), st.text(min_size=1, max_size=40)),
    st.tuples(st.just("alnum"), st.text(alphabet=_qr._ALNUM, min_size=1, max_size=60)),
    st.tuples(st.just("numeric"), st.text(alphabet="0123456789", min_size=1, max_size=120)),
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(segment, min_size=1, max_size=4),
    st.sampled_from(_qr.LEVELS),
    st.integers(0, 7),
)
def test_matrix_equals_qrcode(segments: list[tuple[str, str]], level: str, mask: int) -> None:
    version = _qr.fit_version(segments, level)
    ref_version, ref_modules = _reference(segments, level, mask) if version else (0, [])
    if version is None:
        return
    assert version == ref_version
    symbol, packed = _qr.encode_segments(segments, level, mask)
    assert symbol.unpack(packed) == ref_modules
    data = _qr.data_codewords(segments, version, level)
    assert symbol.encode_int(data) == symbol.reference_int(data)


@pytest.mark.parametrize("host_length", [4, 10, 20, 29, 32])
@pytest.mark.parametrize("level", _qr.LEVELS)
def test_stamp_coder_equals_qrcode(ring: stamps.KeyRing, host_length: int, level: str) -> None:
    host = "h" * (host_length - 3) + ".vn"
    base = stamp_url_base(f"https://{host}")
    segments = qr_segments(base + "0" * CODE_LENGTH)
    if _qr.fit_version(segments, level) is None:
        pytest.skip("needs a version above 10 (qrcode fallback)")
    for mask in (1, 6):
        coder = _qr.StampCoder(segments[:2], CODE_LENGTH, level, mask)
        for serial in (0, 987_654_321, 2**40 - 1):
            url = stamps.issue(serial, ring).url(f"https://{host}")
            version, modules = _reference(qr_segments(url), level, mask)
            assert coder.version == version == qr_version(url, level)  # type: ignore[arg-type]
            assert coder.symbol.unpack(coder.packed(url[-CODE_LENGTH:])) == modules


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**40 - 1), st.sampled_from(["M", "Q"]))
@example(6115, "Q")  # zxing-cpp also read a stray linear barcode "6735" in this QR code
def test_qr_packed_equals_qr_matrix_and_decodes(serial: int, level: str) -> None:
    ring = stamps.KeyRing.from_private_bytes([bytes(range(32))])
    url = stamps.issue(serial, ring).url(PUBLIC_URL)
    n, packed = qr_packed(url, level)  # type: ignore[arg-type]
    matrix = qr_matrix(url, level)  # type: ignore[arg-type]
    assert (
        _qr.symbol(_qr.fit_version(qr_segments(url), level) or 0, level, 1).unpack(packed) == matrix
    )
    image = Image.frombytes("1", (n, n), packed).resize((4 * n, 4 * n))
    framed = Image.new("1", (4 * n + 32, 4 * n + 32), 1)
    framed.paste(image, (16, 16))
    assert read_qr_texts(framed) == [url]


def test_qr_packed_falls_back_to_qrcode_above_version_10(ring: stamps.KeyRing) -> None:
    url = stamps.issue(1, ring).url("https://" + "h" * 60 + ".vn")
    n, packed = qr_packed(url, "H")
    assert n > 57
    modules = qr_matrix(url, "H")
    rows = -(-n // 8)
    assert [
        [not packed[r * rows + c // 8] >> (7 - c % 8) & 1 for c in range(n)] for r in range(n)
    ] == modules


@pytest.mark.parametrize(("host", "mask"), [("h" * 60 + ".vn", 1), ("trace.hagiang.gov.vn", None)])
def test_packed_rows_are_padded_with_light_modules(
    ring: stamps.KeyRing, host: str, mask: int | None
) -> None:
    # Pages paste QR rows as whole bytes: dark padding bits printed a stripe in the quiet
    # zone that made zxing misread automatic-mask codes.
    n, packed = qr_packed(stamps.issue(1, ring).url(f"https://{host}"), "M", mask)
    rows = -(-n // 8)
    assert n % 8
    light = (1 << (8 - n % 8)) - 1
    assert all(packed[r * rows + rows - 1] & light == light for r in range(n))


def test_sheet_painter_fixed_and_automatic_masks_decode(ring: stamps.KeyRing) -> None:
    items: list[tuple[int, str, str | None]] = [
        (s.serial, s.url(PUBLIC_URL), "1234-5678-90")
        for s in stamps.issue_many(range(60, 63), ring)
    ]
    pages = []
    for mask in (1, None):
        sheet = SheetLayout(custom_grid((35, 35), (2, 2)), mask=mask)
        design = sheet.design(TEXT, 41, True)
        painter = SheetPainter(
            design, PUBLIC_URL, sheet.page_px, sheet.origins(), sheet.crop_mark_lines(), 1
        )
        # The fixed mask takes the stamp coder; automatic masks go through qrcode.
        assert (painter.coder is not None) == (mask is not None)
        page = Image.frombytes("1", sheet.page_px, painter.page(items))
        assert sorted(stamps.verify(t, ring).serial for t in read_qr_texts(page)) == [60, 61, 62]
        pages.append(page)
    # Same static parts and text; only the QR masks differ.
    assert abs(pages[0].histogram()[0] - pages[1].histogram()[0]) < 0.02 * pages[1].histogram()[0]


def test_png_from_packed_round_trips() -> None:
    width, height = 19, 5
    rows = bytes(range(3 * height))
    png = png_from_packed(rows, width, height, 600)
    image = Image.open(io.BytesIO(png))
    assert image.mode == "1"
    assert image.info["dpi"][0] == pytest.approx(600, abs=1)
    assert image.tobytes() == Image.frombytes("1", (width, height), rows).tobytes()
    zlib.decompress(png[png.index(b"IDAT") + 4 : -16])  # well-formed stream


def test_pages_without_pins_and_at_600_dpi(ring: stamps.KeyRing) -> None:
    layout = SheetLayout(custom_grid((35, 35), (2, 1)), dpi=600)
    pages = list(
        iter_png_pages(stamps.issue_many([7, 8], ring), layout, PUBLIC_URL, TEXT, workers=1)
    )
    assert sorted(stamps.verify(t, ring).serial for t in read_qr_texts(pages[0])) == [7, 8]
    out = io.BytesIO()
    assert write_pdf(stamps.issue_many([7], ring), out, layout, PUBLIC_URL, TEXT, workers=1) == 1
