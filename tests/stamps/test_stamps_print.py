"""Every label stock, printed: measured margins and modules, phone-resolution decoding, PINs.

The pages are rendered exactly as they are printed (300 dpi, 1 bit); every figure is
measured on the pixels, not taken from the layout's own numbers.
"""

from __future__ import annotations

import io
import random
import re
from functools import cache

import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

import stamps
from stamps.labels import render_label
from stamps.layouts import STOCKS, LabelStock, LayoutError, custom_grid
from stamps.render import FONT_DIR, LabelText, qr_packed
from stamps.sheets import SheetLayout, iter_png_pages
from tests.stamps.stamps_support import PUBLIC_URL, SEED_A

TEXT = LabelText("Mật ong bạc hà Mèo Vạc", "HTX Ong mật Mèo Vạc", lot="MV-2025-07")
PIN_SECRET = b"pin-secret"
DPI = 300
PX_PER_MM = DPI / 25.4
FIRST = 4_400_000
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def _png_page(
    stock: LabelStock, pin_secret: bytes | None, ring: stamps.KeyRing, text: LabelText = TEXT
) -> Image.Image:
    serials = range(FIRST, FIRST + stock.per_page)
    page = next(
        iter_png_pages(
            stamps.issue_many(serials, ring),
            SheetLayout(stock),
            PUBLIC_URL,
            text,
            pin_secret,
            workers=1,
            last_serial=serials[-1],
        )
    )
    return Image.open(io.BytesIO(page)).convert("L")


@cache
def _page(name: str, with_pin: bool) -> Image.Image:
    ring = stamps.KeyRing.from_private_bytes([SEED_A])
    return _png_page(STOCKS[name], PIN_SECRET if with_pin else None, ring)


def _label_rects(stock: LabelStock) -> list[tuple[float, float, float, float]]:
    """Each label's cut lines in page pixels (fractional: the true position)."""
    w, h = stock.label_mm
    return [
        (x * PX_PER_MM, y * PX_PER_MM, (x + w) * PX_PER_MM, (y + h) * PX_PER_MM)
        for x, y in stock.label_origins_mm()
    ]


def _margins_mm(page: Image.Image, rect: tuple[float, float, float, float]) -> list[float]:
    """Distance from each cut line (left, top, right, bottom) to the nearest ink inside."""
    x0, y0, x1, y1 = rect
    box = (int(x0) + 1, int(y0) + 1, int(x1), int(y1))
    ink = ImageChops.invert(page.crop(box)).getbbox()
    assert ink is not None, "an empty label"
    return [
        (box[0] + ink[0] - x0) / PX_PER_MM,
        (box[1] + ink[1] - y0) / PX_PER_MM,
        (x1 - (box[0] + ink[2])) / PX_PER_MM,
        (y1 - (box[1] + ink[3])) / PX_PER_MM,
    ]


def _finder_run(page: Image.Image, result: zxingcpp.Result) -> int:
    """Length of the top row of the top-left finder pattern (7 modules of ink), in px."""
    corner = result.position.top_left
    y = corner.y + 1
    x = corner.x
    while _grey(page, x - 1, y) < 128:  # back up to the pattern's first dark pixel
        x -= 1
    run = 0
    while _grey(page, x + run, y) < 128:
        run += 1
    return run


def _grey(page: Image.Image, x: int, y: int) -> int:
    """One pixel of a one-band page (0 is ink)."""
    value = page.getpixel((x, y))
    assert isinstance(value, int), value
    return value


@pytest.mark.parametrize("name", list(STOCKS))
def test_every_label_decodes_with_wide_margins_and_large_modules(
    name: str, ring: stamps.KeyRing
) -> None:
    stock = STOCKS[name]
    page = _page(name, True)
    found = zxingcpp.read_barcodes(page, formats=QR_ONLY)
    serials = sorted(stamps.verify(result.text, ring).serial for result in found)
    assert serials == list(range(FIRST, FIRST + stock.per_page))
    modules = qr_packed(found[0].text)[0]
    for result in found:
        module_px = _finder_run(page, result) / 7
        assert module_px * 25.4 / DPI >= 0.40
        corners = result.position
        assert corners.top_right.x - corners.top_left.x + 1 == pytest.approx(
            modules * module_px, abs=2
        )
    for rect in _label_rects(stock):
        assert min(_margins_mm(page, rect)) >= 2.0


def _noise_tile(sigma: float) -> Image.Image:
    rng = random.Random(7)
    return Image.frombytes(
        "L", (256, 256), bytes(max(0, min(255, round(rng.gauss(128, sigma)))) for _ in range(65536))
    )


def _photo(page: Image.Image, dpi: float) -> Image.Image:
    """The page as a phone camera sees it: fewer pixels, slightly blurred, a little noisy."""
    scale = dpi / DPI
    small = page.resize(
        (round(page.width * scale), round(page.height * scale)), Image.Resampling.BOX
    ).filter(ImageFilter.GaussianBlur(0.5))
    noise = Image.new("L", small.size)
    tile = _noise_tile(6)
    for x in range(0, small.width, tile.width):
        for y in range(0, small.height, tile.height):
            noise.paste(tile, (x, y))
    return ImageChops.add(small, noise, 1.0, -128)


@pytest.mark.parametrize("name", list(STOCKS))
def test_labels_decode_from_a_phone_resolution_photo(name: str, ring: stamps.KeyRing) -> None:
    stock = STOCKS[name]
    page = _page(name, True)
    first = zxingcpp.read_barcodes(page, formats=QR_ONLY)[0]
    module_px = _finder_run(page, first) / 7
    for px_per_module in (1.75, 2.0):
        dpi = DPI * px_per_module / module_px
        photo, scale = _photo(page, dpi), dpi / DPI
        decoded = 0
        for x0, y0, x1, y1 in _label_rects(stock):
            # One label, as a phone frames it, with a millimetre of what is around it.
            pad = PX_PER_MM
            left, top, right, bottom = (
                round(v * scale) for v in (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
            )
            crop = photo.crop((left, top, right, bottom))
            texts = [r.text for r in zxingcpp.read_barcodes(crop, formats=QR_ONLY) if r.valid]
            decoded += len(texts) == 1 and stamps.verify(texts[0], ring).serial >= FIRST
        assert decoded / stock.per_page >= 0.95, (px_per_module, decoded)


def _text_mask(text: str, size_px: int) -> Image.Image:
    """The text drawn directly with Pillow (not by the label painter), as a 1-bit ink mask."""
    font = ImageFont.truetype(str(FONT_DIR / "BeVietnamPro-SemiBold.ttf"), size_px)
    mask = Image.new("L", (round(font.getlength(text)) + 4, size_px * 2), 0)
    ImageDraw.Draw(mask).text((2, size_px), text, font=font, fill=255, anchor="ls")
    mask = mask.point([0] * 128 + [255] * 128)
    box = mask.getbbox()
    assert box is not None
    return mask.crop(box).convert("1")


def _best_match(region: Image.Image, mask: Image.Image) -> float:
    """Largest share of the mask's ink that is ink in the region, over every offset."""
    ink = ImageChops.invert(region).point([0] * 128 + [255] * 128).convert("1")
    total = mask.histogram()[255]
    best = 0.0
    for dy in range(0, ink.height - mask.height + 1):
        for dx in range(0, ink.width - mask.width + 1):
            window = ink.crop((dx, dy, dx + mask.width, dy + mask.height))
            best = max(best, ImageChops.logical_and(window, mask).histogram()[255] / total)
    return best


@pytest.mark.parametrize("name", list(STOCKS))
def test_the_scratch_pin_is_printed_in_its_box_only_when_the_batch_has_pins(name: str) -> None:
    stock = STOCKS[name]
    layout = SheetLayout(stock)
    modules = qr_packed(stamps.issue(FIRST, stamps.KeyRing.generate()).url(PUBLIC_URL))[0]
    design = layout.design(TEXT, modules, True, FIRST + stock.per_page - 1)
    assert design.pin_box is not None
    left, top, right, bottom = design.pin_box
    size = design.run_size_px
    for index in (0, stock.per_page - 1):
        x, y = layout.origins()[index]
        # The box and 6 px around it (labels are placed on whole bytes: up to 4 px off).
        around = (x + left - 6, y + top - 6, x + right + 7, y + bottom + 7)
        with_pin = _page(name, True).crop(around)
        without = _page(name, False).crop(around)
        own = stamps.scratch_pin(PIN_SECRET, FIRST + index)
        other = stamps.scratch_pin(PIN_SECRET, FIRST + index + 1)
        mine, theirs = (_best_match(with_pin, _text_mask(pin, size)) for pin in (own, other))
        # Its own PIN matches (glyph-by-glyph placement differs from Pillow's by a pixel
        # here and there); another label's PIN, or the label without PINs, does not.
        assert mine >= 0.78
        assert theirs < 0.65
        assert _best_match(without, _text_mask(own, size)) < 0.6
        # The box is drawn: a long dark line along its top edge (none without PINs).
        assert _longest_dark_run(with_pin) >= right - left - 2
        assert _longest_dark_run(without) < (right - left) / 2


def _longest_dark_run(region: Image.Image) -> int:
    """Longest horizontal run of dark pixels, in px."""
    dark = region.point([1] * 128 + [0] * 128).tobytes()  # 1 = dark, 0 = light
    rows = (dark[y : y + region.width] for y in range(0, len(dark), region.width))
    return max((len(run) for row in rows for run in re.findall(b"\x01+", row)), default=0)


@pytest.mark.parametrize("name", list(STOCKS))
def test_no_label_of_a_batch_without_pins_has_a_scratch_box(name: str) -> None:
    page = _page(name, False)
    for x0, y0, x1, y1 in _label_rects(STOCKS[name])[:3]:
        label = page.crop((round(x0), round(y0), round(x1), round(y1)))
        # The longest straight line is a QR row or a text stroke, never a box edge.
        assert _longest_dark_run(label) < 12 * PX_PER_MM


def test_call_to_scan_and_lot_code_are_printed() -> None:
    for name in STOCKS:
        layout = SheetLayout(STOCKS[name])
        design = layout.design(TEXT, 41, True)
        texts = {line.text for line in design.lines}
        assert "Quét để kiểm tra" in texts
        assert "Lô: MV-2025-07" in texts
        placed = next(line for line in design.lines if line.text == "Quét để kiểm tra")
        x, y = layout.origins()[0]
        region = _page(name, True).crop(
            (
                x + placed.x - 6,
                y + placed.y - 6,
                x
                + placed.x
                + 6
                + round(
                    ImageFont.truetype(
                        str(FONT_DIR / "BeVietnamPro-SemiBold.ttf"), placed.size_px
                    ).getlength(placed.text)
                ),
                y + placed.y + placed.size_px + 6,
            )
        )
        assert _best_match(region, _text_mask("Quét để kiểm tra", placed.size_px)) >= 0.97


def test_a_batch_without_a_lot_gets_a_line_to_write_it_on() -> None:
    design = SheetLayout(STOCKS["a4-70x37"]).design(LabelText("Chè", "HTX"), 41, True)
    assert "Lô:" in {line.text for line in design.lines}
    (x0, y0, x1, y1) = design.rules[0]
    assert y0 == y1
    assert (x1 - x0) / PX_PER_MM >= 15


GTIN = "08938534000017"


@pytest.mark.parametrize("name", ["a4-70x37", "a4-63.5x38.1", "a4-52.5x29.7"])
def test_the_gs1_digital_link_form_keeps_large_modules_where_it_fits(
    name: str, ring: stamps.KeyRing
) -> None:
    stock = STOCKS[name]
    last = FIRST + stock.per_page - 1
    gs1 = stamps.issue_many(range(FIRST, last + 1), ring, gtin=GTIN)
    page = next(
        iter_png_pages(
            gs1,
            SheetLayout(stock),
            PUBLIC_URL,
            TEXT,
            PIN_SECRET,
            workers=1,
            gtin=GTIN,
            last_serial=last,
        )
    )
    image = Image.open(io.BytesIO(page)).convert("L")
    found = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    assert sorted(stamps.verify(r.text, ring).serial for r in found) == list(range(FIRST, last + 1))
    assert all("/01/08938534000017/21/" in r.text for r in found)
    assert qr_packed(found[0].text)[0] > 41  # a larger symbol than the compact form's
    assert all(_finder_run(image, result) / 7 * 25.4 / DPI >= 0.40 for result in found)
    for rect in _label_rects(stock):
        assert min(_margins_mm(image, rect)) >= 2.0


def test_the_gs1_form_does_not_fit_35_mm_labels_with_a_pin(ring: stamps.KeyRing) -> None:
    gs1 = stamps.issue_many([FIRST], ring, gtin=GTIN)
    with pytest.raises(LayoutError, match="35 × 35 mm label cannot hold this stamp"):
        iter_png_pages(
            gs1, SheetLayout(STOCKS["a4-35x35"]), PUBLIC_URL, TEXT, PIN_SECRET, gtin=GTIN
        )
    # Without a PIN it fits, the names left out.
    design = SheetLayout(STOCKS["a4-35x35"]).design(TEXT, 49, False)
    assert design.left_out == ("cooperative", "product")


def _long_form(stamp: stamps.Stamp) -> str:
    """Any other QR text, longer still: the layout follows its module count."""
    return f"https://tem.hagiang.gov.vn/01/08938534000017/21/{stamp.serial}?8030={'A' * 90}&x=1"


def test_another_qr_form_is_laid_out_for_its_own_size(ring: stamps.KeyRing) -> None:
    stock = STOCKS["a4-70x37"]
    modules = qr_packed(_long_form(stamps.issue(FIRST, ring)))[0]
    page = next(
        iter_png_pages(
            stamps.issue_many(range(FIRST, FIRST + 3), ring),
            SheetLayout(stock),
            PUBLIC_URL,
            TEXT,
            PIN_SECRET,
            workers=1,
            qr_text=_long_form,
        )
    )
    image = Image.open(io.BytesIO(page)).convert("L")
    found = zxingcpp.read_barcodes(image, formats=QR_ONLY)
    assert len(found) == 3
    assert qr_packed(found[0].text)[0] == modules
    assert all(_finder_run(image, result) / 7 * 25.4 / DPI >= 0.40 for result in found)


def test_too_small_custom_labels_are_refused_before_printing(ring: stamps.KeyRing) -> None:
    tiny = SheetLayout(custom_grid((20, 20), (8, 12)))
    with pytest.raises(LayoutError, match="20 × 20 mm label cannot hold"):
        iter_png_pages(stamps.issue_many([1], ring), tiny, PUBLIC_URL, TEXT, PIN_SECRET)


def test_small_labels_leave_out_names_before_anything_required() -> None:
    design = SheetLayout(STOCKS["a4-35x35"]).design(TEXT, 41, True)
    assert design.left_out == ("cooperative",)
    texts = {line.text for line in design.lines}
    assert {"Quét để kiểm tra", "Lô: MV-2025-07", "Mật ong bạc hà Mèo Vạc"} <= texts
    roomy = SheetLayout(STOCKS["a4-70x37"]).design(TEXT, 41, True)
    assert roomy.left_out == ()
    assert "HTX Ong mật Mèo Vạc" in {line.text for line in roomy.lines}


def test_long_names_wrap_or_shorten_within_the_label(ring: stamps.KeyRing) -> None:
    long = LabelText(
        "Chè Shan tuyết cổ thụ Hoàng Su Phì thượng hạng",
        "Hợp tác xã Nông nghiệp Dịch vụ Tổng hợp Vĩnh Hảo",
        lot="HSP-2025-0001",
    )
    for name, stock in STOCKS.items():
        pair = custom_grid(stock.label_mm, (2, 1))  # the stock's labels, two of them
        page = _png_page(pair, PIN_SECRET, ring, long)
        for rect in _label_rects(pair):
            assert min(_margins_mm(page, rect)) >= 2.0, name
        assert len(zxingcpp.read_barcodes(page, formats=QR_ONLY)) == 2


def test_single_label_render(ring: stamps.KeyRing) -> None:
    stamp = stamps.issue(123_456, ring)
    label = render_label(stamp.serial, stamp.url(PUBLIC_URL), TEXT, pin="1234-5678-90")
    assert label.size == (round(35 * PX_PER_MM), round(35 * PX_PER_MM))
    assert [r.text for r in zxingcpp.read_barcodes(label, formats=QR_ONLY)] == [
        stamp.url(PUBLIC_URL)
    ]
