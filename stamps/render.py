"""The imaging boundary: the only module importing ``qrcode``, ``PIL`` and ``zxingcpp``.

Callers get Pillow images (labels, pages) or plain bytes (packed 1-bit rows,
PNG); :mod:`stamps.sheets` builds PDFs and CSV from those without touching
any imaging library.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal, TypeAlias

import fontpkg_be_vietnam_pro
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, MODE_NUMBER, QRData

from stamps.format import Stamp, qr_segments

ErrorLevel = Literal["L", "M", "Q", "H"]
Page: TypeAlias = Image.Image  # lets stamps.sheets name page images without importing PIL
_EC: Final = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_MODES: Final = {"byte": MODE_8BIT_BYTE, "alnum": MODE_ALPHA_NUM, "numeric": MODE_NUMBER}
# qrcode's automatic choice renders all 8 masks (about 6x the cost of one).
# Over sample stamps mask 1 has the lowest mean ISO 18004 penalty (within 7 %
# of the per-code optimum); see docs/stamp-format.md. None = automatic.
FIXED_MASK: Final = 1
QUIET_ZONE: Final = 4  # modules, as ISO/IEC 18004 requires
FONT_DIR: Final = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
MM_PER_INCH: Final = 25.4


def _segments(text: str) -> list[QRData]:
    return [
        QRData(part.encode("ascii" if mode != "byte" else "utf-8"), mode=_MODES[mode])
        for mode, part in qr_segments(text)
    ]


def qr_version(text: str, error: ErrorLevel = "M") -> int:
    """Smallest QR version holding ``text`` with this library's segmentation."""
    code = qrcode.QRCode(error_correction=_EC[error], border=0)
    for segment in _segments(text):
        code.add_data(segment)
    return int(code.best_fit())


def qr_matrix(
    text: str, error: ErrorLevel = "M", mask: int | None = FIXED_MASK
) -> list[list[bool]]:
    """QR modules (True = dark) without quiet zone, segmented for the smallest symbol."""
    code = qrcode.QRCode(error_correction=_EC[error], border=0, mask_pattern=mask)
    for segment in _segments(text):
        code.add_data(segment)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.modules]


_DARK_TO_BLACK: Final = bytes([255, 0]) + bytes(254)


def qr_image(
    text: str, module_px: int, error: ErrorLevel = "M", mask: int | None = FIXED_MASK
) -> Image.Image:
    """Mode "1" image of the QR with its 4-module quiet zone, ``module_px`` per module."""
    matrix = qr_matrix(text, error, mask)
    n = len(matrix)
    raw = b"".join(bytes(row) for row in matrix).translate(_DARK_TO_BLACK)
    small = Image.frombytes("L", (n, n), raw).convert("1", dither=Image.Dither.NONE)
    side = (n + 2 * QUIET_ZONE) * module_px
    out = Image.new("1", (side, side), 1)
    offset = QUIET_ZONE * module_px
    out.paste(
        small.resize((n * module_px, n * module_px), Image.Resampling.NEAREST), (offset, offset)
    )
    return out


@dataclass(frozen=True, slots=True)
class LabelText:
    """Human-readable label lines, in Vietnamese (normalised to NFC when drawn)."""

    product: str
    cooperative: str


@dataclass(frozen=True, slots=True)
class LabelLayout:
    width_mm: float = 35.0
    height_mm: float = 35.0
    dpi: int = 300
    error: ErrorLevel = "M"
    product_pt: float = 7.0
    body_pt: float = 6.0
    mask: int | None = FIXED_MASK

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)

    @property
    def size_px(self) -> tuple[int, int]:
        return self.px(self.width_mm), self.px(self.height_mm)


@lru_cache(maxsize=16)
def _font(weight: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / f"BeVietnamPro-{weight}.ttf"), size_px)


def _fitting_font(text: str, weight: str, size_px: int, max_width: int) -> ImageFont.FreeTypeFont:
    """Largest font up to ``size_px`` for which ``text`` fits ``max_width``."""
    while size_px > 6:
        font = _font(weight, size_px)
        if font.getlength(text) <= max_width:
            return font
        size_px -= 1
    return _font(weight, size_px)


def format_serial(serial: int) -> str:
    """Vietnamese grouping with dots: 1234567 -> "Số 1.234.567"."""
    return "Số " + f"{serial:,}".replace(",", ".")


class _TextMasks:
    """Pre-rendered text masks: whole lines for constant text, glyphs for serials/PINs.

    FreeType rendering costs ~0.5 ms per call; composing digits from cached
    glyphs makes per-label text nearly free. Digits have no kerning pairs.
    """

    def __init__(self, bilevel: bool) -> None:
        self.bilevel = bilevel
        self._glyphs: dict[tuple[str, int, str], tuple[Image.Image, int]] = {}

    def line(self, text: str, font: ImageFont.FreeTypeFont) -> Image.Image:
        ascent, descent = font.getmetrics()
        width = max(1, round(font.getlength(text)))
        mask = Image.new("L", (width, ascent + descent), 0)
        ImageDraw.Draw(mask).text((0, ascent), text, font=font, fill=255, anchor="ls")
        if self.bilevel:
            mask = mask.point([0] * 128 + [255] * 128)
        return mask

    def trimmed_line(self, text: str, font: ImageFont.FreeTypeFont) -> Image.Image:
        """Line mask cropped to its ink, so stacked diacritics cost no extra leading."""
        mask = self.line(text, font)
        box = mask.getbbox()
        return mask.crop((0, box[1], mask.width, box[3])) if box else mask

    def run(self, text: str, font: ImageFont.FreeTypeFont, weight: str) -> Image.Image:
        ascent, descent = font.getmetrics()
        parts = []
        width = 0
        for char in text:
            key = (weight, int(font.size), char)
            glyph = self._glyphs.get(key)
            if glyph is None:
                advance = round(font.getlength(char))
                glyph = self._glyphs[key] = (
                    self.line(char, font)
                    if char != " "
                    else Image.new("L", (1, ascent + descent), 0),
                    advance,
                )
            parts.append((width, glyph[0]))
            width += glyph[1]
        out = Image.new("L", (max(1, width + 2), ascent + descent), 0)
        for x, mask in parts:
            out.paste(255, (x, 0), mask)
        return out


class LabelPainter:
    """Draws labels for one (layout, text); caches fonts, masks and geometry."""

    def __init__(self, layout: LabelLayout, text: LabelText, mode: str = "1") -> None:
        self.layout = layout
        self.mode = mode
        self.width, self.height = layout.size_px
        self.margin = layout.px(1.0)
        pt = layout.dpi / 72
        inner = self.width - 2 * self.margin
        self.masks = _TextMasks(bilevel=mode == "1")
        product = unicodedata.normalize("NFC", text.product)
        cooperative = unicodedata.normalize("NFC", text.cooperative)
        product_font = _fitting_font(product, "Bold", round(layout.product_pt * pt), inner)
        body_font = _fitting_font(cooperative, "Regular", round(layout.body_pt * pt), inner)
        self.product = self.masks.trimmed_line(product, product_font)
        self.cooperative = self.masks.trimmed_line(cooperative, body_font)
        self.serial_font = _font("SemiBold", round(layout.body_pt * pt))
        self.line_gap = round(layout.body_pt * pt * 0.3)
        ascent, descent = self.serial_font.getmetrics()
        self._run_crop = self._digit_rows(ascent + descent)
        serial_height = self._run_crop[1] - self._run_crop[0]
        self.pin_box = serial_height + 4 * self.line_gap
        text_block = self.product.height + self.cooperative.height + serial_height
        # The scratch box is reserved even without a PIN so both layouts match.
        room = self.height - text_block - 4 * self.line_gap - self.pin_box - self.margin
        self.qr_room = min(self.width, room)
        self._module_px: int | None = None

    def _digit_rows(self, height: int) -> tuple[int, int]:
        """Ink rows of a digit run ("Số" has the tallest mark) to crop runs uniformly."""
        probe = self.masks.run("Số 0123456789-PIN", self.serial_font, "SemiBold")
        box = probe.getbbox()
        return (box[1], box[3]) if box else (0, height)

    def _run(self, text: str) -> Image.Image:
        mask = self.masks.run(text, self.serial_font, "SemiBold")
        return mask.crop((0, self._run_crop[0], mask.width, self._run_crop[1]))

    def _paste_centered(self, label: Image.Image, mask: Image.Image, y: int) -> int:
        label.paste(0, ((self.width - mask.width) // 2, y), mask)
        return y + mask.height + self.line_gap

    def draw(self, stamp: Stamp, public_url: str, pin: str | None = None) -> Image.Image:
        layout = self.layout
        url = stamp.url(public_url)
        if self._module_px is None:  # all stamps of one run share the QR version
            modules = len(qr_matrix(url, layout.error, layout.mask))
            self._module_px = max(1, self.qr_room // (modules + 2 * QUIET_ZONE))
        qr = qr_image(url, self._module_px, layout.error, layout.mask)
        label = Image.new(self.mode, (self.width, self.height), 255 if self.mode == "L" else 1)
        label.paste(qr, ((self.width - qr.width) // 2, 0))
        y = self._paste_centered(label, self.product, qr.height)
        y = self._paste_centered(label, self.cooperative, y)
        y = self._paste_centered(label, self._run(format_serial(stamp.serial)), y)
        if pin is not None:
            # The box marks where the print house lays the scratch-off foil.
            top = y + self.line_gap
            bottom = min(top + self.pin_box, self.height - self.margin)
            left, right = self.margin * 3, self.width - self.margin * 3
            ImageDraw.Draw(label).rectangle(
                (left, top, right, bottom), outline=0, width=max(1, layout.dpi // 150)
            )
            text = self._run(f"PIN {pin}")
            self._paste_centered(label, text, (top + bottom - text.height) // 2)
        return label


def render_label(
    stamp: Stamp,
    public_url: str,
    text: LabelText,
    pin: str | None = None,
    layout: LabelLayout | None = None,
) -> Image.Image:
    """One grayscale label image: QR, product, cooperative, serial, optional PIN box."""
    return LabelPainter(layout or LabelLayout(), text, mode="L").draw(stamp, public_url, pin)


def new_page(width_px: int, height_px: int) -> Image.Image:
    return Image.new("1", (width_px, height_px), 1)


def draw_lines(page: Image.Image, lines: list[tuple[int, int, int, int]], width: int) -> None:
    draw = ImageDraw.Draw(page)
    for line in lines:
        draw.line(line, fill=0, width=width)


def packed_rows(page: Image.Image) -> bytes:
    """1-bit rows, MSB first, 1 = white: exactly PDF DeviceGray /BitsPerComponent 1."""
    return page.tobytes()


def png_bytes(image: Image.Image, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), compress_level=6)
    return buffer.getvalue()


def read_qr_texts(source: Path | bytes | Image.Image) -> list[str]:
    """Texts of all QR codes zxing-cpp finds in an image file, PNG bytes or image."""
    if isinstance(source, Image.Image):
        image = source
    elif isinstance(source, bytes):
        image = Image.open(io.BytesIO(source))
    else:
        image = Image.open(source)
    image = image.convert("L")
    return [str(result.text) for result in zxingcpp.read_barcodes(image) if result.valid]
