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

from stamps import _qr
from stamps.format import (
    CODE_LENGTH,
    GS1_SIGNATURE_TEXT,
    MAX_SERIAL,
    Stamp,
    gs1_url,
    qr_segments,
    stamp_url_base,
)

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
def _stamp_coder(base: str, error: ErrorLevel, mask: int) -> _qr.StampCoder | None:
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
    return _stamp_coder(base, error, mask)


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
    raw = b"".join(bytes(row) for row in matrix).translate(_DARK_TO_BLACK)
    image = Image.frombytes("L", (n, n), raw).convert("1", dither=Image.Dither.NONE)
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
        self._static: dict[tuple[int, bool], Image.Image] = {}
        self._chunks: dict[str, tuple[Image.Image, int]] = {}
        self._glyph_masks: dict[str, Image.Image] = {}
        self._advances: dict[str, int] = {}

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

    def set_modules(self, modules: int) -> int:
        """Fix the QR size (all stamps of one run share the version); returns px/module."""
        if self._module_px is None:
            self._module_px = max(1, self.qr_room // (modules + 2 * QUIET_ZONE))
        return self._module_px

    def rows(self, qr_side: int) -> tuple[int, int, int]:
        """y of the serial run, top and bottom of the scratch box, below a QR of ``qr_side``."""
        y = qr_side + self.product.height + self.cooperative.height + 2 * self.line_gap
        top = y + self._run_crop[1] - self._run_crop[0] + 2 * self.line_gap
        return y, top, min(top + self.pin_box, self.height - self.margin)

    def static_label(self, qr_side: int, with_pin: bool) -> Image.Image:
        """Everything but the QR, serial and PIN: product, cooperative, scratch box. Cached."""
        key = (qr_side, with_pin)
        label = self._static.get(key)
        if label is None:
            label = Image.new(self.mode, (self.width, self.height), 255 if self.mode == "L" else 1)
            y = self._paste_centered(label, self.product, qr_side)
            self._paste_centered(label, self.cooperative, y)
            if with_pin:
                # The box marks where the print house lays the scratch-off foil.
                _, top, bottom = self.rows(qr_side)
                left, right = self.margin * 3, self.width - self.margin * 3
                ImageDraw.Draw(label).rectangle(
                    (left, top, right, bottom), outline=0, width=max(1, self.layout.dpi // 150)
                )
            label = self._static[key] = label
        return label

    def _chunk(self, text: str) -> tuple[Image.Image, int]:
        """Mode "1" image (black on white) of a few run characters, width = their advances.

        Glyph masks are exactly one advance wide, so chunks abut without overlap
        and a run is a row of plain pastes, the same pixels as :meth:`_run`.
        """
        chunk = self._chunks.get(text)
        if chunk is None:
            font = self.serial_font
            top, bottom = self._run_crop
            advances = [self._advance(char) for char in text]
            image = Image.new("1", (max(1, sum(advances)), bottom - top), 1)
            x = 0
            for char, advance in zip(text, advances, strict=True):
                if char != " ":
                    mask = self._glyph_masks.get(char)
                    if mask is None:
                        mask = self._glyph_masks[char] = self.masks.line(char, font)
                    image.paste(0, (x, -top), mask)
                x += advance
            chunk = self._chunks[text] = (image, sum(advances))
        return chunk

    def _advance(self, char: str) -> int:
        advance = self._advances.get(char)
        if advance is None:
            advance = self._advances[char] = round(self.serial_font.getlength(char))
        return advance

    def run_image(self, text: str, align: int = 8) -> tuple[Image.Image, int]:
        """Mode "1" serial/PIN run (black on white, width a multiple of ``align``), ink width.

        Composed from cached 3-character chunks (at most 13^3 of them: digits,
        dot, dash; the constant prefixes are chunks of their own).
        """
        chunks = [self._chunk(text[i : i + 3]) for i in range(0, len(text), 3)]
        width = sum(advance for _, advance in chunks) + 2
        height = self._run_crop[1] - self._run_crop[0]
        image = Image.new("1", (-(-width // align) * align, height), 1)
        x = 0
        for chunk, advance in chunks:
            image.paste(chunk, (x, 0))
            x += advance
        return image, width

    def draw(self, stamp: Stamp, public_url: str, pin: str | None = None) -> Image.Image:
        layout = self.layout
        n, packed = qr_packed(stamp.url(public_url), layout.error, layout.mask)
        m = self.set_modules(n)
        side = (n + 2 * QUIET_ZONE) * m
        label = self.static_label(side, pin is not None).copy()
        qr = Image.frombytes("1", (n, n), packed).resize((n * m, n * m), Image.Resampling.NEAREST)
        label.paste(qr, ((self.width - side) // 2 + QUIET_ZONE * m, QUIET_ZONE * m))
        serial_y, top, bottom = self.rows(side)
        self._paste_centered(label, self._run(format_serial(stamp.serial)), serial_y)
        if pin is not None:
            text = self._run(f"PIN {pin}")
            self._paste_centered(label, text, (top + bottom - text.height) // 2)
        return label


class SheetPainter:
    """Whole pages of one print job as packed 1-bit rows (PDF ``/BitsPerComponent 1``).

    Fast path (stamp URLs, fixed mask, >= 2 px per module): the static parts of
    every label (product, cooperative, scratch box) and the crop marks are drawn
    and packed once per label count; per page only the QR modules and the
    serial and PIN runs are packed and pasted, as bytes, into a copy of that
    template. Their x is snapped to a whole byte, so the QR and the text runs
    sit up to 4 px (0.34 mm at 300 dpi) off centre; the label is blank beside
    the QR, so its quiet zone stays wider than 4 modules. Otherwise each label is
    drawn with :class:`LabelPainter` and the page packed as a whole.
    """

    def __init__(
        self,
        layout: LabelLayout,
        text: LabelText,
        public_url: str,
        page_px: tuple[int, int],
        origins: list[tuple[int, int]],
        marks: list[tuple[int, int, int, int]],
        mark_width: int,
        with_pin: bool,
        gtin: str | None = None,
    ) -> None:
        self.painter = painter = LabelPainter(layout, text, mode="1")
        self.gtin = gtin
        """GS1 Digital Link stamps: drawn label by label, the QR sized for that form."""
        self.layout = layout
        self.public_url = public_url
        self.base = stamp_url_base(public_url)
        self.page_px, self.origins = page_px, origins
        self.marks, self.mark_width, self.with_pin = marks, mark_width, with_pin
        self.coder = (
            _stamp_coder(self.base, layout.error, layout.mask)
            if layout.mask is not None and gtin is None
            else None
        )
        sample = (
            gs1_url(public_url, gtin, MAX_SERIAL, "A" * GS1_SIGNATURE_TEXT)
            if gtin is not None
            else self.base + "1" * CODE_LENGTH
        )
        n = self.coder.size if self.coder else qr_packed(sample, layout.error, layout.mask)[0]
        m = self.module_px = painter.set_modules(n)
        self.side = (n + 2 * QUIET_ZONE) * m
        # Snapping may move the QR 4 px sideways; the label beside it must be blank.
        self.fast = self.coder is not None and m >= 2 and (painter.width - self.side) // 2 >= 8
        self.n = n
        self.serial_y, top, bottom = painter.rows(self.side)
        self.pin_y = (top + bottom - (painter._run_crop[1] - painter._run_crop[0])) // 2
        self.qr_x = (painter.width - self.side) // 2 + QUIET_ZONE * m
        self.qr_y = QUIET_ZONE * m
        # Horizontal scaling of packed rows: byte k of each module byte's expansion.
        spread = [0] * 256
        for value in range(256):
            for bit in range(8):
                ones = ((1 << m) - 1) if value >> (7 - bit) & 1 else 0
                spread[value] = spread[value] << m | ones
        self._spread = [
            bytes((spread[value] >> 8 * (m - 1 - k)) & 0xFF for value in range(256))
            for k in range(m)
        ]
        self._qr_bytes = -(-n * m // 8)
        self._templates: dict[int, Image.Image] = {}

    def _template(self, count: int) -> Image.Image:
        """Packed page (mode "L", one byte = 8 pixels) with the static parts of ``count`` labels."""
        template = self._templates.get(count)
        if template is None:
            page = new_page(*self.page_px)
            label = self.painter.static_label(self.side, self.with_pin)
            for origin in self.origins[:count]:
                page.paste(label, origin)
            draw_lines(page, self.marks, self.mark_width)
            width = -(-self.page_px[0] // 8)
            template = Image.frombytes("L", (width, self.page_px[1]), page.tobytes())
            self._templates[count] = template
        return template

    def _paste_run(self, page: Image.Image, text: str, x: int, y: int) -> None:
        run, width = self.painter.run_image(text)
        left = x + (self.painter.width - width) // 2
        page.paste(
            Image.frombytes("L", (run.width // 8, run.height), run.tobytes()), ((left + 4) // 8, y)
        )

    def page(self, items: list[tuple[int, str, str | None]]) -> bytes:
        """Packed rows of one page: ``(serial, code, pin or None)`` per label, row-major."""
        if not self.fast:
            return self._slow_page(items)
        assert self.coder is not None
        page = self._template(len(items)).copy()
        m, n, spread, qr_bytes = self.module_px, self.n, self._spread, self._qr_bytes
        row_bytes = self.coder.symbol.row_bytes
        encode = self.coder.packed
        for (serial, code, pin), (x, y) in zip(items, self.origins, strict=False):
            packed = encode(code)
            wide = bytearray(len(packed) * m)
            for k in range(m):
                wide[k::m] = packed.translate(spread[k])
            qr = Image.frombytes("L", (row_bytes * m, n), bytes(wide)).resize(
                (qr_bytes, n * m), Image.Resampling.NEAREST, box=(0, 0, qr_bytes, n)
            )
            page.paste(qr, ((x + self.qr_x + 4) // 8, y + self.qr_y))
            self._paste_run(page, format_serial(serial), x, y + self.serial_y)
            if pin is not None:
                self._paste_run(page, f"PIN {pin}", x, y + self.pin_y)
        return page.tobytes()

    def _slow_page(self, items: list[tuple[int, str, str | None]]) -> bytes:
        page = new_page(*self.page_px)
        for (serial, code, pin), origin in zip(items, self.origins, strict=False):
            stamp = Stamp(1, "", serial, code, self.gtin)
            page.paste(self.painter.draw(stamp, self.public_url, pin), origin)
        draw_lines(page, self.marks, self.mark_width)
        return page.tobytes()


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
