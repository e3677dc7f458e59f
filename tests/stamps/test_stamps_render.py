"""Rendered QR codes are read back by a real decoder (zxing-cpp) and verified."""

from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image, ImageFilter

import stamps
from stamps.labels import render_label
from stamps.layouts import custom_grid
from stamps.render import (
    LabelLayout,
    LabelText,
    qr_matrix,
    qr_version,
    read_qr_texts,
)
from stamps.sheets import SheetLayout, iter_csv, iter_csv_range, iter_png_pages, write_pdf
from tests.stamps.stamps_support import PUBLIC_URL

TEXT = LabelText(product="Mật ong bạc hà Đồng Văn", cooperative="HTX Ong mật Mèo Vạc")
PIN_SECRET = b"pin-secret"


def _decoded_serials(image: Image.Image | bytes, ring: stamps.KeyRing) -> list[int]:
    return sorted(stamps.verify(text, ring).serial for text in read_qr_texts(image))


@pytest.mark.parametrize("host_length", [10, 16, 20, 24, 29])
def test_qr_version_is_at_most_6_at_level_m(ring: stamps.KeyRing, host_length: int) -> None:
    host = "h" * (host_length - 7) + ".gov.vn"
    url = stamps.issue(2**40 - 1, ring).url(f"https://{host}")
    assert qr_version(url, "M") <= 6
    assert len(qr_matrix(url, "M")) <= 41


def test_label_round_trip(ring: stamps.KeyRing) -> None:
    stamp = stamps.issue(123_456, ring)
    pin = stamps.scratch_pin(PIN_SECRET, stamp.serial)
    label = render_label(stamp.serial, stamp.url(PUBLIC_URL), TEXT, pin=pin)
    assert label.size == LabelLayout().size_px
    assert read_qr_texts(label) == [stamp.url(PUBLIC_URL)]
    assert stamps.verify(read_qr_texts(label)[0], ring) == stamp


@pytest.mark.parametrize("mask", [None, 0, 1, 7])
def test_fixed_and_automatic_masks_decode(ring: stamps.KeyRing, mask: int | None) -> None:
    stamp = stamps.issue(42, ring)
    label = render_label(42, stamp.url(PUBLIC_URL), TEXT, layout=LabelLayout(mask=mask))
    assert _decoded_serials(label, ring) == [42]


def _degrade(image: Image.Image, how: str) -> Image.Image:
    gray = image.convert("L")
    if how == "blur":
        return gray.filter(ImageFilter.GaussianBlur(1.5))
    if how == "rotate":
        return gray.rotate(5, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    # 5 px/module at 300 dpi -> 1.5 px/module.
    return gray.resize((round(gray.width * 1.5 / 5),) * 2, Image.Resampling.BILINEAR)


@pytest.mark.parametrize("how", ["blur", "rotate", "downscale"])
def test_degraded_label_still_decodes(ring: stamps.KeyRing, how: str) -> None:
    label = render_label(777, stamps.issue(777, ring).url(PUBLIC_URL), TEXT)
    assert _decoded_serials(_degrade(label, how), ring) == [777]


def test_png_pages_decode_and_carry_pins(ring: stamps.KeyRing) -> None:
    layout = SheetLayout(custom_grid((35, 35), (3, 2)))
    pages = list(
        iter_png_pages(
            stamps.issue_many(range(100, 108), ring),
            layout,
            PUBLIC_URL,
            TEXT,
            pin_secret=PIN_SECRET,
            workers=1,
        )
    )
    assert len(pages) == 2
    first = Image.open(io.BytesIO(pages[0]))
    assert first.size == layout.page_px
    assert first.info["dpi"][0] == pytest.approx(300, abs=1)
    assert _decoded_serials(pages[0], ring) == list(range(100, 106))
    assert _decoded_serials(pages[1], ring) == [106, 107]


def test_pdf_structure_and_parallel_equals_serial(ring: stamps.KeyRing) -> None:
    layout = SheetLayout(custom_grid((35, 35), (2, 2)))
    outputs = []
    for workers in (1, 2):
        buffer = io.BytesIO()
        pages = write_pdf(
            stamps.issue_many(range(9), ring), buffer, layout, PUBLIC_URL, TEXT, workers=workers
        )
        assert pages == 3
        outputs.append(buffer.getvalue())
    pdf = outputs[0]
    assert outputs[1] == pdf
    assert pdf.startswith(b"%PDF-1.6")
    assert b"/ViewerPreferences << /PrintScaling /None >>" in pdf  # print at 100 %
    assert pdf.rstrip().endswith(b"%%EOF")
    assert re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count 3", pdf)
    assert len(re.findall(rb"/Type /Page ", pdf)) == 3
    # Every xref offset points at the object it names.
    startxref = int(pdf.rsplit(b"startxref\n", 1)[1].split()[0])
    xref = pdf[startxref:].split(b"trailer")[0].split(b"\n")[3:]
    for number, row in enumerate(filter(None, xref), start=1):
        offset = int(row.split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_pdf_image_matches_png_page(ring: stamps.KeyRing) -> None:
    import zlib

    layout = SheetLayout(custom_grid((35, 35), (2, 1)))
    buffer = io.BytesIO()
    write_pdf(stamps.issue_many([5, 6], ring), buffer, layout, PUBLIC_URL, TEXT, workers=1)
    pdf = buffer.getvalue()
    start = pdf.index(b"stream\n", pdf.index(b"/Subtype /Image")) + len(b"stream\n")
    length = int(re.search(rb"/Subtype /Image.*?/Length (\d+)", pdf).group(1))  # type: ignore[union-attr]
    raw = zlib.decompress(pdf[start : start + length])
    page = Image.frombytes("1", layout.page_px, raw)
    assert _decoded_serials(page, ring) == [5, 6]


def test_csv_export(ring: stamps.KeyRing) -> None:
    text = b"".join(iter_csv(stamps.issue_many(range(3), ring), PUBLIC_URL, PIN_SECRET))
    rows = list(csv.reader(io.StringIO(text.decode("ascii"))))
    assert rows[0] == ["serial", "url", "pin"]
    assert [int(r[0]) for r in rows[1:]] == [0, 1, 2]
    for serial, url, pin in rows[1:]:
        assert stamps.verify(url, ring).serial == int(serial)
        assert stamps.check_pin(PIN_SECRET, int(serial), pin)
    parallel = b"".join(iter_csv_range(0, 3, ring, PUBLIC_URL, PIN_SECRET, workers=2, chunk=1))
    assert parallel == text
    no_pin = b"".join(iter_csv(stamps.issue_many([4], ring), PUBLIC_URL))
    assert no_pin.endswith(b",\r\n")


def test_multi_page_tasks_keep_order(ring: stamps.KeyRing) -> None:
    # 11 pages: three 4-page tasks on two workers, reassembled in order.
    layout = SheetLayout(custom_grid((35, 35), (1, 1)), crop_marks=False)
    serial_pages = list(
        iter_png_pages(stamps.issue_many(range(11), ring), layout, PUBLIC_URL, TEXT, workers=1)
    )
    parallel_pages = list(
        iter_png_pages(stamps.issue_many(range(11), ring), layout, PUBLIC_URL, TEXT, workers=2)
    )
    assert parallel_pages == serial_pages
    assert [_decoded_serials(page, ring) for page in parallel_pages] == [[i] for i in range(11)]
