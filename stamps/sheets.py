"""Print output: multi-page PDF / PNG sheets and print-house CSV, streamed.

Pages are rasterised (1-bit, 300/600 dpi) by worker processes and written
one at a time, so memory stays flat however many stamps are printed. The PDF
writer is deliberately minimal: one Flate-compressed 1-bit image per page,
objects streamed in order, page tree and xref at the end.
"""

from __future__ import annotations

import itertools
import struct
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import BinaryIO, Final, TypeAlias, TypeVar

from stamps.core import issue_many
from stamps.format import CODE_LENGTH, GS1_SIGNATURE_TEXT, MAX_SERIAL, Stamp, gs1_url
from stamps.keys import KeyRing
from stamps.labels import LabelDesign, SheetPainter, design_label
from stamps.layouts import DEFAULT_STOCK, STOCKS, LabelStock
from stamps.pin import scratch_pin
from stamps.processes import pool_worker
from stamps.render import FIXED_MASK, ErrorLevel, LabelLayout, LabelText, qr_packed

POINTS_PER_MM: Final = 72 / 25.4
CSV_HEADER: Final = b"serial,url,pin\r\n"
_CSV_CHUNK: Final = 4096

Batch: TypeAlias = list[tuple[int, str]]  # (serial, QR text) of one page's labels
QrText: TypeAlias = Callable[[Stamp], str]
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """A label stock printed at ``dpi``, and how its QR codes are made."""

    stock: LabelStock = STOCKS[DEFAULT_STOCK]
    dpi: int = 300
    error: ErrorLevel = "M"
    mask: int | None = FIXED_MASK
    crop_marks: bool = True

    @property
    def label(self) -> LabelLayout:
        (width, height) = self.stock.label_mm
        return LabelLayout(width, height, self.dpi, self.error, self.mask)

    @property
    def per_page(self) -> int:
        return self.stock.per_page

    def px(self, mm: float) -> int:
        return round(mm * self.dpi / 25.4)

    @property
    def page_px(self) -> tuple[int, int]:
        return self.px(self.stock.page_mm[0]), self.px(self.stock.page_mm[1])

    def origins(self) -> list[tuple[int, int]]:
        """Top-left pixel of each label, row-major."""
        return [(self.px(x), self.px(y)) for x, y in self.stock.label_origins_mm()]

    def crop_mark_lines(self) -> list[tuple[int, int, int, int]]:
        return [
            (self.px(x0), self.px(y0), self.px(x1), self.px(y1))
            for x0, y0, x1, y1 in self.stock.crop_marks_mm()
        ]

    def design(
        self, text: LabelText, modules: int, with_pin: bool, last_serial: int = MAX_SERIAL
    ) -> LabelDesign:
        """The label's layout for QR codes of ``modules`` a side (raises LayoutError)."""
        return design_label(self.label, text, modules, with_pin, last_serial)


def stamp_qr_modules(
    public_url: str, layout: SheetLayout, gtin: str | None = None, last_serial: int = MAX_SERIAL
) -> int:
    """Modules a side of the stamps' QR: the compact form's (every code has the same length),
    or the GS1 Digital Link form's for this GTIN up to ``last_serial``."""
    sample = (
        gs1_url(public_url, gtin, last_serial, "A" * GS1_SIGNATURE_TEXT)
        if gtin is not None
        else Stamp(1, "", 0, "0" * CODE_LENGTH).url(public_url)
    )
    return qr_packed(sample, layout.error, layout.mask)[0]


@dataclass(frozen=True, slots=True)
class _PageJob:
    layout: SheetLayout
    design: LabelDesign
    public_url: str
    pin_secret: bytes | None


_painter: tuple[_PageJob, SheetPainter] | None = None
# Level 1: on these mostly-white 1-bit pages it is ~4x faster than 6 for ~20 % more bytes.
FLATE_LEVEL: Final = 1


def _init_worker(job: _PageJob) -> None:
    global _painter
    layout = job.layout
    painter = SheetPainter(
        job.design,
        job.public_url,
        layout.page_px,
        layout.origins(),
        layout.crop_mark_lines() if layout.crop_marks else [],
        max(1, layout.dpi // 300),
    )
    _painter = (job, painter)


def _packed_page(batch: Batch) -> bytes:
    assert _painter is not None
    job, painter = _painter
    secret = job.pin_secret
    return painter.page(
        [
            (serial, text, scratch_pin(secret, serial) if secret is not None else None)
            for serial, text in batch
        ]
    )


def _page_flate(batch: Batch) -> bytes:
    return zlib.compress(_packed_page(batch), FLATE_LEVEL)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_from_packed(packed: bytes, width: int, height: int, dpi: int) -> bytes:
    """1-bit grayscale PNG (no filtering, Flate level 1) from packed rows, 1 = white."""
    row = -(-width // 8)
    view = memoryview(packed)
    raw = b"".join(
        itertools.chain.from_iterable(
            (b"\0", view[y : y + row]) for y in range(0, row * height, row)
        )
    )
    ppm = round(dpi / 0.0254)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)),
            _png_chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1)),
            _png_chunk(b"IDAT", zlib.compress(raw, FLATE_LEVEL)),
            _png_chunk(b"IEND", b""),
        )
    )


def _page_png(batch: Batch) -> bytes:
    assert _painter is not None
    layout = _painter[0].layout
    return png_from_packed(_packed_page(batch), *layout.page_px, layout.dpi)


def _batches(stamps: Iterable[Stamp], size: int, qr_text: QrText) -> Iterator[Batch]:
    # Only (serial, QR text) crosses the process boundary: small and cheap to pickle.
    iterator = iter(stamps)
    while batch := [(s.serial, qr_text(s)) for s in itertools.islice(iterator, size)]:
        yield batch


# A page renders in ~8 ms; a few per task keeps pickling and future overhead ~1 %.
PAGES_PER_TASK: Final = 4


def _tasks(
    stamps: Iterable[Stamp], per_page: int, workers: int, qr_text: QrText
) -> Iterator[list[Batch]]:
    pages = _batches(stamps, per_page, qr_text)
    size = PAGES_PER_TASK if workers > 1 else 1
    while task := list(itertools.islice(pages, size)):
        yield task


def _flate_pages(task: list[Batch]) -> list[bytes]:
    return [_page_flate(batch) for batch in task]


def _png_pages(task: list[Batch]) -> list[bytes]:
    return [_page_png(batch) for batch in task]


def _ordered_map(
    function: Callable[[T], R],
    items: Iterable[T],
    workers: int,
    initializer: Callable[..., None],
    initargs: tuple[object, ...],
) -> Iterator[R]:
    """``map`` in order over a process pool with at most ``2 * workers`` items in flight.

    ``Executor.map`` submits everything up front, which would pull the whole
    stamp iterable into memory; the bounded window keeps memory flat.
    """
    if workers <= 1:
        initializer(*initargs)
        yield from map(function, items)
        return
    start: Callable[..., None] = pool_worker  # the workers end with this process, even on kill -9
    with ProcessPoolExecutor(
        workers,
        mp_context=get_context("spawn"),
        initializer=start,
        initargs=(initializer, *initargs),
    ) as pool:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


class _UrlText:
    """The default QR text, a stamp's URL in either form (a class, so it pickles)."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url
        self.base = Stamp(1, "", 0, "").url(public_url)

    def __call__(self, stamp: Stamp) -> str:
        return self.base + stamp.code if stamp.gtin is None else stamp.url(self.public_url)


def _plan(
    stamps: Iterable[Stamp],
    layout: SheetLayout,
    public_url: str,
    text: LabelText,
    pin_secret: bytes | None,
    gtin: str | None,
    qr_text: QrText | None,
    qr_modules: int | None,
    last_serial: int,
) -> tuple[_PageJob, Iterable[Stamp], QrText]:
    """The job's label design (made before any output, so a bad layout fails first)."""
    if qr_text is None:
        qr_text = _UrlText(public_url)
        qr_modules = qr_modules or stamp_qr_modules(public_url, layout, gtin, last_serial)
    elif qr_modules is None:
        # Another QR form: size the layout by the first stamp's QR.
        iterator = iter(stamps)
        first = next(iterator, None)
        if first is not None:
            qr_modules = qr_packed(qr_text(first), layout.error, layout.mask)[0]
            stamps = itertools.chain([first], iterator)
    design = layout.design(text, qr_modules or 21, pin_secret is not None, last_serial)
    return _PageJob(layout, design, public_url, pin_secret), stamps, qr_text


def iter_png_pages(
    stamps: Iterable[Stamp],
    layout: SheetLayout,
    public_url: str,
    text: LabelText,
    pin_secret: bytes | None = None,
    workers: int = 2,
    gtin: str | None = None,
    *,
    qr_text: QrText | None = None,
    qr_modules: int | None = None,
    last_serial: int = MAX_SERIAL,
) -> Iterator[bytes]:
    """One PNG (bytes) per sheet, in order, rendered on ``workers`` processes.

    ``gtin``: the stamps take the GS1 Digital Link form, signed for this GTIN (``Stamp.url``
    is the QR text; the labels are laid out for that form's QR at ``last_serial``).
    ``qr_text`` makes each stamp's QR text (default: its URL); with another form, pass
    ``qr_modules``, the largest QR's modules a side (default: the first stamp's), and the
    labels are laid out for it. ``last_serial`` (the largest printed) sizes the serial.
    With ``pin_secret`` every label carries its scratch PIN in a box; without, none.
    Raises :class:`~stamps.layouts.LayoutError` before any page if the labels are too small.
    """
    job, stamps, qr_text = _plan(
        stamps, layout, public_url, text, pin_secret, gtin, qr_text, qr_modules, last_serial
    )
    return _png_stream(job, stamps, workers, qr_text)


def _png_stream(
    job: _PageJob, stamps: Iterable[Stamp], workers: int, qr_text: QrText
) -> Iterator[bytes]:
    tasks = _tasks(stamps, job.layout.per_page, workers, qr_text)
    for pages in _ordered_map(_png_pages, tasks, workers, _init_worker, (job,)):
        yield from pages


def write_pdf(
    stamps: Iterable[Stamp],
    out: BinaryIO,
    layout: SheetLayout,
    public_url: str,
    text: LabelText,
    pin_secret: bytes | None = None,
    workers: int = 2,
    gtin: str | None = None,
    *,
    qr_text: QrText | None = None,
    qr_modules: int | None = None,
    last_serial: int = MAX_SERIAL,
) -> int:
    """Stream a print-ready PDF of label sheets to ``out``; returns the page count.

    Parameters as :func:`iter_png_pages`.
    """
    job, stamps, qr_text = _plan(
        stamps, layout, public_url, text, pin_secret, gtin, qr_text, qr_modules, last_serial
    )
    writer = _PdfWriter(out)
    width_px, height_px = layout.page_px
    page_mm = layout.stock.page_mm
    size_pt = (page_mm[0] * POINTS_PER_MM, page_mm[1] * POINTS_PER_MM)
    tasks = _tasks(stamps, layout.per_page, workers, qr_text)
    for pages in _ordered_map(_flate_pages, tasks, workers, _init_worker, (job,)):
        for data in pages:
            writer.add_page(data, width_px, height_px, size_pt)
    writer.finish()
    return writer.page_count


class _PdfWriter:
    """Minimal PDF 1.6: catalog (1), page tree (2, written last), 3 objects per page."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offset = 0
        self.offsets: dict[int, int] = {}
        self.page_ids: list[int] = []
        self._write(b"%PDF-1.6\n%\xe2\xe3\xcf\xd3\n")
        # Label sheets must print at 100 %: "fit to page" would move every label off its die.
        self._object(
            1, b"<< /Type /Catalog /Pages 2 0 R /ViewerPreferences << /PrintScaling /None >> >>"
        )

    @property
    def page_count(self) -> int:
        return len(self.page_ids)

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.offset
        self._write(b"%d 0 obj\n" % number + body)
        if stream is not None:
            self._write(b"\nstream\n")
            self._write(stream)
            self._write(b"\nendstream")
        self._write(b"\nendobj\n")

    def add_page(
        self, flate: bytes, width_px: int, height_px: int, size_pt: tuple[float, float]
    ) -> None:
        page = 3 + 3 * len(self.page_ids)
        content, image = page + 1, page + 2
        w, h = (b"%.3f" % size_pt[0]), (b"%.3f" % size_pt[1])
        self._object(
            page,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Contents %d 0 R "
            b"/Resources << /XObject << /Im0 %d 0 R >> >> >>" % (w, h, content, image),
        )
        ops = b"q %s 0 0 %s 0 0 cm /Im0 Do Q" % (w, h)
        self._object(content, b"<< /Length %d >>" % len(ops), ops)
        self._object(
            image,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>"
            % (width_px, height_px, len(flate)),
            flate,
        )
        self.page_ids.append(page)

    def finish(self) -> None:
        kids = b" ".join(b"%d 0 R" % page for page in self.page_ids)
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, self.page_count))
        size = max(self.offsets) + 1
        xref = self.offset
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        rows += [b"%010d 00000 n \n" % self.offsets[n] for n in range(1, size)]
        self._write(b"".join(rows))
        self._write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
        self.out.flush()


# -- print-house CSV -----------------------------------------------------------


def _csv_rows(
    stamps: Iterable[Stamp], public_url: str, pin_secret: bytes | None
) -> Iterator[bytes]:
    base = Stamp(1, "", 0, "").url(public_url)  # validated URL prefix
    lines: list[str] = []
    for stamp in stamps:
        pin = scratch_pin(pin_secret, stamp.serial) if pin_secret is not None else ""
        url = stamp.url(public_url) if stamp.gtin is not None else base + stamp.code
        lines.append(f"{stamp.serial},{url},{pin}\r\n")
        if len(lines) >= _CSV_CHUNK:
            yield "".join(lines).encode("ascii")
            lines = []
    if lines:
        yield "".join(lines).encode("ascii")


def iter_csv(
    stamps: Iterable[Stamp], public_url: str, pin_secret: bytes | None = None
) -> Iterator[bytes]:
    """CSV ``serial,url,pin`` (RFC 4180, CRLF) in chunks, header first."""
    yield CSV_HEADER
    yield from _csv_rows(stamps, public_url, pin_secret)


_csv_job: tuple[KeyRing, str, bytes | None, str | None] | None = None


def _init_csv_worker(
    keyring: KeyRing, public_url: str, pin_secret: bytes | None, key_id: str | None
) -> None:
    global _csv_job
    _csv_job = (keyring, public_url, pin_secret, key_id)


def _csv_range(span: tuple[int, int]) -> bytes:
    assert _csv_job is not None
    keyring, public_url, pin_secret, key_id = _csv_job
    start, stop = span
    stamps = issue_many(range(start, stop), keyring, key_id)
    return b"".join(_csv_rows(stamps, public_url, pin_secret))


def iter_csv_range(
    start: int,
    count: int,
    keyring: KeyRing,
    public_url: str,
    pin_secret: bytes | None = None,
    workers: int = 2,
    chunk: int = 20_000,
    key_id: str | None = None,
) -> Iterator[bytes]:
    """Issue serials ``start .. start+count-1`` and stream their CSV, signing in parallel.

    ``key_id`` re-derives stamps signed by that key (a batch's own key after a rotation);
    by default the ring's current key signs.
    """
    spans = ((s, min(s + chunk, start + count)) for s in range(start, start + count, chunk))
    yield CSV_HEADER
    yield from _ordered_map(
        _csv_range, spans, workers, _init_csv_worker, (keyring, public_url, pin_secret, key_id)
    )
