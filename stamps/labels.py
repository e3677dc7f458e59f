"""Where each part of a label goes, and whole pages of labels as packed 1-bit rows.

:func:`design_label` lays a label out from its size, the QR's actual module count and
its text: QR modules of at least 0.40 mm with a 4-module quiet zone inside the label,
nothing closer than 2 mm to the cut line, "Quét để kiểm tra", the lot code (or a line to
write it on), the serial and, when the batch has PINs, the PIN in a box the print house
covers with scratch-off foil. It tries the QR beside the text and above it, the largest
module (up to ~0.5 mm) and type that fit; on small labels it shortens the names and then
leaves them out, never the QR, the call to scan, the lot, the serial or the PIN. If even
those do not fit it raises :class:`~stamps.layouts.LayoutError`.

:class:`SheetPainter` paints pages: the fixed parts of every label and the crop marks
are drawn once per job into a packed page template; per label only the QR modules and
the serial and PIN runs are pasted as bytes. Label origins are snapped to whole bytes
(at most 4 px, 0.34 mm at 300 dpi; the design's margins include that), so every paste
lands on a byte boundary and the page needs no bit shifting.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Final

from PIL import Image, ImageDraw, ImageFont

from stamps.format import CODE_LENGTH, MAX_SERIAL, stamp_url_base
from stamps.layouts import MIN_MODULE_MM, SAFE_MARGIN_MM, LayoutError
from stamps.render import (
    MM_PER_INCH,
    QUIET_ZONE,
    LabelLayout,
    LabelText,
    TextMasks,
    draw_lines,
    format_serial,
    new_page,
    qr_packed,
    stamp_coder,
    typeface,
)

CALL_TO_SCAN: Final = "Quét để kiểm tra"
LOT_CAPTION: Final = "Lô:"
PIN_CAPTION: Final = "PIN"
PREFERRED_MODULE_MM: Final = 0.51
"""Largest module tried: bigger scans from farther, but takes the text's room."""
BODY_PT: Final = (8.0, 7.5, 7.0, 6.5, 6.0)
TIGHT_PT: Final = (5.5, 5.0)
"""Body sizes (pt) tried on small labels only; 5 pt is the smallest printed."""
PRODUCT_SCALE: Final = 1.25
SNAP_PX: Final = 4
"""Label origins snap to whole bytes (8 px): content may sit this many px off."""
WRITE_IN_MM: Final = 18.0
"""Length of the line to write the lot code on, when it is not known at print time."""
_WIDE_PIN: Final = "8888-8888-88"


def _mm_to_px(mm: float, dpi: int) -> float:
    return mm * dpi / MM_PER_INCH


def _align8(value: int) -> int:
    return (value + 7) // 8 * 8


@dataclass(frozen=True, slots=True)
class _Row:
    """One line of a label's text block, measured."""

    kind: str  # text | lot | serial | pin
    width: int
    height: int
    text: str = ""
    weight: str = "Regular"
    size_px: int = 0


@dataclass(frozen=True, slots=True)
class Placed:
    """A static text line: its words, font and top-left pixel in the label."""

    text: str
    weight: str
    size_px: int
    x: int
    y: int
    run: bool = False
    """Cropped like the serial and PIN runs, so it sits on their baseline."""


@dataclass(frozen=True, slots=True)
class LabelDesign:
    """Pixel positions of everything on one label (origin: the label's top-left corner)."""

    layout: LabelLayout
    arrangement: str
    """"side" (QR left of the text) or "stack" (QR above it)."""
    modules: int
    module_px: int
    qr_x: int
    qr_y: int
    body_pt: float
    lines: tuple[Placed, ...]
    rules: tuple[tuple[int, int, int, int], ...]
    """Lines to write on (the lot code when it is not known)."""
    run_size_px: int
    run_top: int
    """First ink row of the serial/PIN runs in the font's line box (runs are cropped to it)."""
    run_height: int
    serial_x: int
    serial_y: int
    centred: bool
    """Serial and PIN runs are centred on their x (stack) or start at it (side)."""
    pin_box: tuple[int, int, int, int] | None
    box_line: int
    pin_x: int
    pin_y: int
    left_out: tuple[str, ...]
    """Optional parts left out for room: "cooperative", "product"."""

    @property
    def size_px(self) -> tuple[int, int]:
        return self.layout.size_px

    @property
    def module_mm(self) -> float:
        return self.module_px * MM_PER_INCH / self.layout.dpi

    @property
    def qr_side_px(self) -> int:
        return self.modules * self.module_px

    @property
    def with_pin(self) -> bool:
        return self.pin_box is not None


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text.rstrip() + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap into at most ``max_lines``; what still does not fit ends in "…"."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and font.getlength(trial) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    if len(lines) == 2:
        # Two lines of even length read better than a long line and a short one
        # ("Cam sành / Hà Giang", not "Cam sành Hà / Giang").
        words = text.split()
        splits = [(" ".join(words[:k]), " ".join(words[k:])) for k in range(1, len(words))]
        lines = list(min(splits, key=lambda pair: max(map(font.getlength, pair))))
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [_ellipsize(line, font, width) for line in lines]


def _ink_height(text: str, font: ImageFont.FreeTypeFont) -> int:
    box = font.getbbox(text, anchor="ls")
    return int(box[3] - box[1]) + 1


class _Measure:
    """Text sizes for one body size; the label's rows, measured for a width."""

    def __init__(self, text: LabelText, dpi: int, body_pt: float, with_pin: bool) -> None:
        self.text, self.dpi, self.with_pin = text, dpi, with_pin
        self.body_px = round(body_pt * dpi / 72)
        self.product_px = round(body_pt * PRODUCT_SCALE * dpi / 72)
        self.regular = typeface("Regular", self.body_px)
        self.semibold = typeface("SemiBold", self.body_px)
        self.bold = typeface("Bold", self.product_px)
        self.gap = max(2, round(self.body_px * 0.25))
        # Runs (serial, PIN) share one crop: the ink rows of "Số" and the digits.
        box = self.semibold.getbbox("Số 0123456789-PIN", anchor="la")
        self.run_top, self.run_height = int(box[1]), int(box[3] - box[1]) + 1
        self.pad = round(_mm_to_px(0.45, dpi))
        self.box_line = max(2, round(_mm_to_px(0.17, dpi)))

    def _text_rows(
        self, text: str, weight: str, font: ImageFont.FreeTypeFont, width: int, lines: int
    ) -> list[_Row]:
        size = int(font.size)
        return [
            _Row("text", round(font.getlength(line)), _ink_height(line, font), line, weight, size)
            for line in _wrap(unicodedata.normalize("NFC", text), font, width, lines)
            if line
        ]

    def _product_font(self, width: int) -> ImageFont.FreeTypeFont:
        """The product's bold type, made smaller (down to body size) to keep it on one line."""
        product = unicodedata.normalize("NFC", self.text.product)
        for size in range(self.product_px, self.body_px - 1, -1):
            font = typeface("Bold", size)
            if font.getlength(product) <= width:
                return font
        return self.bold

    def rows(self, width: int, names: str, serial: str, call_first: bool) -> list[_Row] | None:
        """The text block's rows for a column ``width`` px wide, or None if one cannot fit.

        ``names``: "full" (product and cooperative, up to two lines each), "short" (one
        line each), "product" (no cooperative) or "none".
        """
        regular, semibold = self.regular, self.semibold
        call = _Row(
            "text",
            round(semibold.getlength(CALL_TO_SCAN)),
            _ink_height(CALL_TO_SCAN, semibold),
            CALL_TO_SCAN,
            "SemiBold",
            self.body_px,
        )
        rows = [call] if call_first else []
        lines = 2 if names == "full" else 1
        if names != "none":
            rows += self._text_rows(self.text.product, "Bold", self._product_font(width),
                                    width, lines)  # fmt: skip
        if names in {"full", "short"}:
            rows += self._text_rows(self.text.cooperative, "Regular", regular, width, lines)
        lot = unicodedata.normalize("NFC", self.text.lot or "")
        if lot:
            caption = f"{LOT_CAPTION} {lot}"
            rows.append(
                _Row(
                    "lot",
                    round(regular.getlength(caption)),
                    _ink_height(caption, regular),
                    caption,
                    "Regular",
                    self.body_px,
                )
            )
        else:
            write_in = round(_mm_to_px(WRITE_IN_MM, self.dpi))
            rows.append(
                _Row(
                    "lot",
                    min(width, round(regular.getlength(LOT_CAPTION + " ")) + write_in),
                    _ink_height(LOT_CAPTION, regular),
                    LOT_CAPTION,
                    "Regular",
                    self.body_px,
                )
            )
        rows.append(_Row("serial", round(semibold.getlength(serial)) + 2, self.run_height))
        if not call_first:
            rows.append(call)
        if self.with_pin:
            digits = round(semibold.getlength(_WIDE_PIN)) + 2
            # Room for the foil around the digits, and for centring them on a whole byte.
            box = digits + 2 * (self.pad + self.box_line + SNAP_PX) + 8
            label = round(semibold.getlength(PIN_CAPTION)) + self.gap
            if label + box > width:
                label = 0  # a narrow column: the box alone (it is what the foil covers)
            height = self.run_height + 2 * (self.pad + self.box_line)
            rows.append(_Row("pin", label + box, height, PIN_CAPTION if label else ""))
        if any(row.width > width for row in rows) or not rows[-1].height:
            return None
        return rows

    def height(self, rows: list[_Row]) -> int:
        return sum(row.height for row in rows) + self.gap * (len(rows) - 1)


def _min_module_px(dpi: int) -> int:
    return math.ceil(_mm_to_px(MIN_MODULE_MM, dpi) - 1e-9)


def design_label(
    layout: LabelLayout,
    text: LabelText,
    modules: int,
    with_pin: bool,
    last_serial: int = MAX_SERIAL,
) -> LabelDesign:
    """Lay a label out for a QR of ``modules`` per side (its actual size: any version).

    ``last_serial`` is the largest serial printed, to reserve the serial's width.
    """
    dpi = layout.dpi
    smallest = _min_module_px(dpi)
    largest = max(smallest, math.floor(_mm_to_px(PREFERRED_MODULE_MM, dpi)))
    width, height = layout.size_px
    wide = width >= 1.3 * height
    arrangements = ("side", "stack") if wide else ("stack", "side")
    serial = format_serial(last_serial)
    stages: list[tuple[str, tuple[float, ...], range]] = [
        ("full", BODY_PT, range(largest, smallest - 1, -1)),
        ("full", TIGHT_PT, range(smallest, smallest - 1, -1)),
        ("short", BODY_PT[-1:] + TIGHT_PT, range(smallest, smallest - 1, -1)),
        ("product", BODY_PT[-1:] + TIGHT_PT, range(smallest, smallest - 1, -1)),
        ("none", BODY_PT[-1:] + TIGHT_PT, range(smallest, smallest - 1, -1)),
    ]
    for names, sizes, module_sizes in stages:
        for body_pt in sizes:
            measure = _Measure(text, dpi, body_pt, with_pin)
            for module_px in module_sizes:
                for arrangement in arrangements:
                    design = _fit(layout, measure, arrangement, modules, module_px, names, serial)
                    if design is not None:
                        return design
    module_mm = smallest * MM_PER_INCH / dpi
    side_mm = (modules + 2 * QUIET_ZONE) * module_mm
    raise LayoutError(
        f"A {layout.width_mm:g} × {layout.height_mm:g} mm label cannot hold this stamp: its "
        f"QR has {modules} modules a side, {side_mm:.1f} mm with its quiet zone at "
        f"{module_mm:.2f} mm a module (at least {MIN_MODULE_MM:.2f}), and it needs "
        f"{SAFE_MARGIN_MM:g} mm margins, “{CALL_TO_SCAN}”, the lot, the serial"
        f"{' and the PIN box' if with_pin else ''}. Choose larger labels."
    )


def _fit(
    layout: LabelLayout,
    m: _Measure,
    arrangement: str,
    modules: int,
    module_px: int,
    names: str,
    serial: str,
) -> LabelDesign | None:
    width, height = layout.size_px
    # +1: label origins are rounded to whole pixels.
    safe = math.ceil(_mm_to_px(SAFE_MARGIN_MM, layout.dpi)) + 1
    side = modules * module_px
    quiet = QUIET_ZONE * module_px
    # The quiet zone lies inside the label too; x also allows for the origin's snapping.
    left, right = max(safe, quiet) + SNAP_PX, width - max(safe, quiet) - SNAP_PX
    top = max(safe, quiet)
    if arrangement == "side":
        qr_x = _align8(left)
        qr_y = (height - side) // 2
        if qr_y < top or qr_x + side > right:
            return None
        text_x = _align8(qr_x + side + quiet)
        column = (text_x, width - safe - SNAP_PX, safe, height - safe)
        rows = m.rows(column[1] - column[0], names, serial, call_first=False)
    else:
        qr_x = (width - side) // 2 // 8 * 8
        qr_y = top
        if qr_x < left or qr_x + side > right:
            return None
        column = (safe + SNAP_PX, width - safe - SNAP_PX, qr_y + side + quiet, height - safe)
        rows = m.rows(column[1] - column[0], names, serial, call_first=True)
    if rows is None or m.height(rows) > column[3] - column[2]:
        return None
    return _place(layout, m, arrangement, modules, module_px, qr_x, qr_y, column, rows, names)


def _place(
    layout: LabelLayout,
    m: _Measure,
    arrangement: str,
    modules: int,
    module_px: int,
    qr_x: int,
    qr_y: int,
    column: tuple[int, int, int, int],
    rows: list[_Row],
    names: str,
) -> LabelDesign:
    x0, x1, y0, y1 = column
    centred = arrangement == "stack"
    y = y0 + (y1 - y0 - m.height(rows)) // 2
    lines: list[Placed] = []
    rules: list[tuple[int, int, int, int]] = []
    serial_x = serial_y = pin_x = pin_y = 0
    box: tuple[int, int, int, int] | None = None
    middle = (x0 + x1) // 2
    for row in rows:
        x = middle - row.width // 2 if centred else x0
        if row.kind in {"text", "lot"}:
            lines.append(Placed(row.text, row.weight, row.size_px, x, y))
            if row.kind == "lot" and row.text == LOT_CAPTION:
                start = x + round(m.regular.getlength(LOT_CAPTION + " "))
                rules.append((start, y + row.height - 1, x + row.width, y + row.height - 1))
        elif row.kind == "serial":
            serial_x, serial_y = (middle if centred else x0), y
        else:
            caption = round(m.semibold.getlength(PIN_CAPTION)) + m.gap if row.text else 0
            if row.text:
                top = y + m.pad + m.box_line
                lines.append(Placed(PIN_CAPTION, "SemiBold", m.body_px, x, top, run=True))
            box = (x + caption, y, x + row.width - 1, y + row.height - 1)
            pin_x, pin_y = (box[0] + box[2]) // 2, y + m.pad + m.box_line
        y += row.height + m.gap
    left_out = {"full": (), "short": (), "product": ("cooperative",)}.get(
        names, ("cooperative", "product")
    )
    return LabelDesign(
        layout=layout,
        arrangement=arrangement,
        modules=modules,
        module_px=module_px,
        qr_x=qr_x,
        qr_y=qr_y,
        body_pt=m.body_px * 72 / layout.dpi,
        lines=tuple(lines),
        rules=tuple(rules),
        run_size_px=m.body_px,
        run_top=m.run_top,
        run_height=m.run_height,
        serial_x=serial_x,
        serial_y=serial_y,
        centred=centred,
        pin_box=box,
        box_line=m.box_line,
        pin_x=pin_x,
        pin_y=pin_y,
        left_out=left_out,
    )


class LabelPainter:
    """Draws one design: its fixed parts once, and serial/PIN runs from cached glyphs."""

    def __init__(self, design: LabelDesign) -> None:
        self.design = design
        self.masks = TextMasks(bilevel=True)
        self.run_font = typeface("SemiBold", design.run_size_px)
        self._chunks: dict[str, tuple[Image.Image, int]] = {}
        self._glyphs: dict[str, Image.Image] = {}
        self._advances: dict[str, int] = {}

    def static_label(self) -> Image.Image:
        """Mode "1" label with everything but the QR, the serial and the PIN."""
        design = self.design
        label = Image.new("1", design.size_px, 1)
        for line in design.lines:
            if line.run:
                label.paste(self.run_image(line.text)[0], (line.x, line.y))
            else:
                mask = self.masks.trimmed_line(line.text, typeface(line.weight, line.size_px))
                label.paste(0, (line.x, line.y), mask)
        draw = ImageDraw.Draw(label)
        for rule in design.rules:
            draw.line(rule, fill=0, width=max(1, design.layout.dpi // 300))
        if design.pin_box is not None:
            # Where the print house lays the scratch-off foil.
            draw.rectangle(design.pin_box, outline=0, width=design.box_line)
        return label

    def _advance(self, char: str) -> int:
        advance = self._advances.get(char)
        if advance is None:
            advance = self._advances[char] = round(self.run_font.getlength(char))
        return advance

    def _chunk(self, text: str) -> tuple[Image.Image, int]:
        """Mode "1" image (black on white) of a few run characters, width = their advances.

        Glyph masks are exactly one advance wide, so chunks abut without overlap and a
        run is a row of plain pastes.
        """
        chunk = self._chunks.get(text)
        if chunk is None:
            top, height = self.design.run_top, self.design.run_height
            advances = [self._advance(char) for char in text]
            image = Image.new("1", (max(1, sum(advances)), height), 1)
            x = 0
            for char, advance in zip(text, advances, strict=True):
                if char != " ":
                    mask = self._glyphs.get(char)
                    if mask is None:
                        mask = self._glyphs[char] = self.masks.line(char, self.run_font)
                    image.paste(0, (x, -top), mask)
                x += advance
            chunk = self._chunks[text] = (image, sum(advances))
        return chunk

    def run_image(self, text: str) -> tuple[Image.Image, int]:
        """Mode "1" serial/PIN run, width a multiple of 8 px (white on the right), ink width.

        Composed from cached 3-character chunks (at most 13^3 of them: digits, dot, dash;
        the constant prefixes are chunks of their own).
        """
        chunks = [self._chunk(text[i : i + 3]) for i in range(0, len(text), 3)]
        width = sum(advance for _, advance in chunks) + 2
        image = Image.new("1", (_align8(width), self.design.run_height), 1)
        x = 0
        for chunk, advance in chunks:
            image.paste(chunk, (x, 0))
            x += advance
        return image, width


class SheetPainter:
    """Whole pages of one print job as packed 1-bit rows (PDF ``/BitsPerComponent 1``)."""

    def __init__(
        self,
        design: LabelDesign,
        public_url: str,
        page_px: tuple[int, int],
        origins: list[tuple[int, int]],
        marks: list[tuple[int, int, int, int]],
        mark_width: int,
    ) -> None:
        self.design = design
        self.painter = LabelPainter(design)
        layout = design.layout
        self.error, self.mask = layout.error, layout.mask
        self.base = stamp_url_base(public_url)
        self.coder = (
            stamp_coder(self.base, self.error, self.mask) if self.mask is not None else None
        )
        self.page_px, self.marks, self.mark_width = page_px, marks, mark_width
        # Whole-byte origins: every paste below lands on a byte boundary.
        self.origins = [((x + 4) // 8 * 8, y) for x, y in origins]
        m = design.module_px
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
        self._templates: dict[int, Image.Image] = {}

    def symbol(self, text: str) -> tuple[int, bytes]:
        """(modules a side, packed rows) of one QR text; stamp URLs take the fast coder."""
        coder, base = self.coder, self.base
        if coder is not None and len(text) == len(base) + CODE_LENGTH and text.startswith(base):
            code = text[len(base) :]
            if code.isascii() and code.isdigit():
                return coder.size, coder.packed(code)
        return qr_packed(text, self.error, self.mask)

    def _template(self, count: int) -> Image.Image:
        """Packed page (mode "L", one byte = 8 pixels) with the fixed parts of ``count`` labels."""
        template = self._templates.get(count)
        if template is None:
            page = new_page(*self.page_px)
            label = self.painter.static_label()
            for origin in self.origins[:count]:
                page.paste(label, origin)
            draw_lines(page, self.marks, self.mark_width)
            template = Image.frombytes(
                "L", (-(-self.page_px[0] // 8), self.page_px[1]), page.tobytes()
            )
            self._templates[count] = template
        return template

    def _qr(self, text: str) -> tuple[Image.Image, int, int]:
        """The QR scaled to print size as a packed image, and its offset in the QR's box."""
        design, m = self.design, self.design.module_px
        n, packed = self.symbol(text)
        if n > design.modules:
            raise ValueError(
                f"a QR of {n} modules does not fit a layout made for {design.modules}; "
                "give the job's largest QR size"
            )
        row_bytes = -(-n // 8)
        wide = bytearray(len(packed) * m)
        for k in range(m):
            wide[k::m] = packed.translate(self._spread[k])
        side_bytes = -(-n * m // 8)
        image = Image.frombytes("L", (row_bytes * m, n), bytes(wide)).resize(
            (side_bytes, n * m), Image.Resampling.NEAREST, box=(0, 0, side_bytes, n)
        )
        # A smaller symbol than the layout's sits in the middle of its box (on a whole byte).
        shift = (design.modules - n) * m // 2
        return image, shift // 8, shift

    def _paste_run(self, page: Image.Image, text: str, x: int, y: int, centred: bool) -> None:
        run, width = self.painter.run_image(text)
        left = x - width // 2 if centred else x
        packed = Image.frombytes("L", (run.width // 8, run.height), run.tobytes())
        page.paste(packed, ((left + 4) // 8, y))

    def page(self, items: list[tuple[int, str, str | None]]) -> bytes:
        """Packed rows of one page: ``(serial, QR text, PIN or None)`` per label, row-major."""
        design = self.design
        page = self._template(len(items)).copy()
        for (serial, text, pin), (x, y) in zip(items, self.origins, strict=False):
            qr, dx, dy = self._qr(text)
            page.paste(qr, ((x + design.qr_x) // 8 + dx, y + design.qr_y + dy))
            self._paste_run(
                page,
                format_serial(serial),
                x + design.serial_x,
                y + design.serial_y,
                design.centred,
            )
            if pin is not None and design.pin_box is not None:
                self._paste_run(page, pin, x + design.pin_x, y + design.pin_y, centred=True)
        return page.tobytes()


def render_label(
    serial: int,
    qr_text: str,
    text: LabelText,
    pin: str | None = None,
    layout: LabelLayout | None = None,
) -> Image.Image:
    """One grayscale label image, laid out for its own QR."""
    layout = layout or LabelLayout()
    design = design_label(
        layout, text, qr_packed(qr_text, layout.error, layout.mask)[0], pin is not None, serial
    )
    painter = SheetPainter(design, "https://x", design.size_px, [(0, 0)], [], 1)
    packed = painter.page([(serial, qr_text, pin)])
    return Image.frombytes("1", design.size_px, packed).convert("L")
