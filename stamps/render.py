"""The imaging boundary: QR symbols, fonts and text masks, reading QR codes back.

With :mod:`stamps.labels` (which lays labels out and paints pages from these parts) the
only modules importing ``qrcode``, ``PIL`` and ``zxingcpp``. Callers get Pillow images or
plain bytes (packed 1-bit rows, PNG); :mod:`stamps.sheets` builds PDFs and CSV from those
without touching any imaging library.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal, TypeAlias

import fontpkg_be_vietnam_pro
import qrcode
import zxingcpp
from PIL import Image, ImageDraw, ImageFont
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, MODE_NUMBER, QRData

from stamps import _qr
from stamps.format import CODE_LENGTH, qr_segments

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


@lru_cache(maxsize=32)
def stamp_coder(base: str, error: ErrorLevel, mask: int) -> _qr.StampCoder | None:
    """Fast encoder for stamp URLs starting with ``base`` (``https://HOST/S/``), if it fits."""
    segments = qr_segments(base + "0" * CODE_LENGTH)
    if len(segments) != 3 or _qr.fit_version(segments, error) is None:
        return None
    return _qr.StampCoder(segments[:2], CODE_LENGTH, error, mask)


def _stamp_coder_for(text: str, error: ErrorLevel, mask: int | None) -> _qr.StampCoder | None:
    if mask is None or len(text) <= CODE_LENGTH:
        return None
    base, code = text[:-CODE_LENGTH], text[-CODE_LENGTH:]
    if not base.endswith("/S/") or not (code.isascii() and code.isdigit()):
        return None
    segments = qr_segments(text)
    if len(segments) != 3 or segments[0][1] + segments[1][1] != base:
        return None
    return stamp_coder(base, error, mask)


def qr_packed(
    text: str, error: ErrorLevel = "M", mask: int | None = FIXED_MASK
) -> tuple[int, bytes]:
    """(modules per side, packed rows: mode "1" raw, MSB first, 1 = light), no quiet zone.

    Stamp URLs (and anything else up to version 10 with a fixed mask) go through
    the purpose-built :mod:`stamps._qr` encoder; the rest through ``qrcode``.
    Either way the modules equal :func:`qr_matrix`'s.
    """
    coder = _stamp_coder_for(text, error, mask)
    if coder is not None:
        return coder.size, coder.packed(text[-CODE_LENGTH:])
    if mask is not None:
        segments = qr_segments(text)
        if _qr.fit_version(segments, error) is not None:
            symbol, packed = _qr.encode_segments(segments, error, mask)
            return symbol.size, packed
    matrix = qr_matrix(text, error, mask)
    n = len(matrix)
    # Rows padded to whole bytes with light modules, as the encoder above pads them: the
    # padding is printed (in the quiet zone) when rows are pasted as bytes.
    padding = bytes(-n % 8)
    raw = b"".join(bytes(row) + padding for row in matrix).translate(_DARK_TO_BLACK)
    image = Image.frombytes("L", (n + len(padding), n), raw).convert("1", dither=Image.Dither.NONE)
    return n, image.tobytes()


def qr_image(
    text: str, module_px: int, error: ErrorLevel = "M", mask: int | None = FIXED_MASK
) -> Image.Image:
    """Mode "1" image of the QR with its 4-module quiet zone, ``module_px`` per module."""
    n, packed = qr_packed(text, error, mask)
    small = Image.frombytes("1", (n, n), packed)
    side = (n + 2 * QUIET_ZONE) * module_px
    out = Image.new("1", (side, side), 1)
    offset = QUIET_ZONE * module_px
    out.paste(
        small.resize((n * module_px, n * module_px), Image.Resampling.NEAREST), (offset, offset)
    )
    return out


@dataclass(frozen=True, slots=True)
class LabelText:
    """Human-readable label lines, in Vietnamese (normalised to NFC when drawn).

    ``lot`` is the harvest lot's code; ``None`` prints a line to write it on by hand
    (stamps ordered before their lot is known get it at activation).
    """

    product: str
    cooperative: str
    lot: str | None = None


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """One label's size and how its QR is made; where things go is worked out from these."""

    width_mm: float = 35.0
    height_mm: float = 35.0
    dpi: int = 300
    error: ErrorLevel = "M"
    mask: int | None = FIXED_MASK

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / MM_PER_INCH)

    @property
    def size_px(self) -> tuple[int, int]:
        return self.px(self.width_mm), self.px(self.height_mm)


@lru_cache(maxsize=16)
def typeface(weight: str, size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_DIR / f"BeVietnamPro-{weight}.ttf"), size_px)


def format_serial(serial: int) -> str:
    """Vietnamese grouping with dots: 1234567 -> "Số 1.234.567"."""
    return "Số " + f"{serial:,}".replace(",", ".")


class TextMasks:
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


_QR_ONLY: Final = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)


def read_qr_texts(source: Path | bytes | Image.Image) -> list[str]:
    """Texts of all QR codes zxing-cpp finds in an image file, PNG bytes or image."""
    if isinstance(source, Image.Image):
        image = source
    elif isinstance(source, bytes):
        image = Image.open(io.BytesIO(source))
    else:
        image = Image.open(source)
    image = image.convert("L")
    # QR codes only: asked for every format, zxing-cpp also "finds" short linear barcodes in
    # a QR's modules (a stamp read as its URL plus a stray "6735").
    found = zxingcpp.read_barcodes(image, formats=_QR_ONLY)
    return [str(result.text) for result in found if result.valid]


PHOTO_MAX_PIXELS: Final = 64_000_000
"""A 50-megapixel phone photo fits; a larger image is not a photo of stamps (and could be a
decompression bomb: its size is read from the header before anything is decoded)."""


class UnreadablePhoto(ValueError):
    """The file is not an image that can be opened, or it is too large."""


def read_photo_texts(data: bytes, max_pixels: int = PHOTO_MAX_PIXELS) -> list[str]:
    """Texts of the QR codes in a photo as a phone takes it (JPEG, PNG, WebP…), each once.

    Several codes in one photo are all read. Raises :class:`UnreadablePhoto`.
    """
    try:
        image = Image.open(io.BytesIO(data))
        width, height = image.size
        if width * height > max_pixels:
            raise UnreadablePhoto(f"{width} x {height} pixels is more than {max_pixels}")
        gray = image.convert("L")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UnreadablePhoto(str(exc)) from exc
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    return list(dict.fromkeys(str(result.text) for result in found if result.valid))
