"""Print files for a batch, streamed: PDF sheets, PNG pages (one, or all in a zip), CSV.

Stamps are re-derived from the key ring and the batch's serial range; nothing per stamp is
read from the database. The renderers are synchronous and CPU-bound (they spread pages over
worker processes themselves), so they run in a thread that hands chunks to the event loop
through a small bounded queue: the loop stays free, and a slow client slows the renderer
instead of filling memory.
"""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Final

from stamps import KeyRing, Stamp, issue_many
from stamps.keys import KeyStatus, NoSigningKey
from stamps.labels import LabelDesign
from stamps.render import LabelText
from stamps.sheets import (
    SheetLayout,
    iter_csv,
    iter_csv_range,
    iter_png_pages,
    stamp_qr_modules,
    write_pdf,
)
from traceability.errors import Conflict
from traceability.signing import KeyUnavailable

_CHUNK: Final = 256 * 1024
_QUEUE: Final = 8
_DONE: Final = object()


class _QueueWriter(io.RawIOBase):
    """A write-only file whose bytes go to ``emit`` in chunks (for PDF and zip writers)."""

    def __init__(self, emit: Callable[[bytes], None]) -> None:
        self._emit = emit
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._buffer += data
        if len(self._buffer) >= _CHUNK:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self._buffer:
            self._emit(bytes(self._buffer))
            self._buffer.clear()


class Cancelled(Exception):
    pass


async def stream_from_thread(
    produce: Callable[[Callable[[bytes], None]], None],
) -> AsyncGenerator[bytes, None]:
    """Run ``produce(emit)`` in a thread; yield what it emits, in order, with backpressure."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue(_QUEUE)
    stop = threading.Event()

    def emit(chunk: bytes) -> None:
        if stop.is_set():
            raise Cancelled
        asyncio.run_coroutine_threadsafe(queue.put(chunk), loop).result()

    def run() -> None:
        try:
            produce(emit)
            outcome: object = _DONE
        except Cancelled:
            return
        except BaseException as exc:  # handed to the consumer, who re-raises it
            outcome = exc
        if not stop.is_set():
            asyncio.run_coroutine_threadsafe(queue.put(outcome), loop).result()

    worker = threading.Thread(target=run, name="stamp-print", daemon=True)
    worker.start()
    try:
        while True:
            item = await queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
        while not queue.empty():  # unblock a producer waiting on a full queue
            queue.get_nowait()


async def started(chunks: AsyncGenerator[bytes, None]) -> AsyncIterator[bytes]:
    """``chunks`` with its first one already made: errors up to there are raised here."""
    try:
        first = await anext(chunks, None)
    except BaseException:
        await chunks.aclose()
        raise

    async def rest() -> AsyncIterator[bytes]:
        if first is not None:
            yield first
        async for chunk in chunks:
            yield chunk

    return rest()


def check_signing_key(job: PrintJob, batch_id: int) -> None:
    """Raise, before anything is sent, when the batch's stamps cannot be derived here."""
    try:
        job.ring.signing_key(job.key_id)
    except KeyError:
        # Another instance rotated keys and this one has not loaded the new ring yet (it
        # reloads within seconds), or its keys folder lacks the key altogether.
        raise KeyUnavailable(
            f"Batch {batch_id} was signed by key {job.key_id}, which this server does not "
            "hold yet; try again in a moment.",
            key_id=job.key_id,
        ) from None
    except NoSigningKey:
        if job.ring.status(job.key_id) is KeyStatus.REVOKED:
            raise Conflict(
                "Batch %(batch)s was signed by key %(key)s, which is revoked: its stamps no "
                "longer verify, so they are not printed again.",
                params={"batch": batch_id, "key": job.key_id},
                key_id=job.key_id,
            ) from None
        raise KeyUnavailable(
            f"This server holds only the public half of key {job.key_id}, which signed "
            f"batch {batch_id}.",
            key_id=job.key_id,
        ) from None


Producer = Callable[[Callable[[bytes], None]], None]


@dataclass(frozen=True, slots=True)
class PrintJob:
    """What to print: a serial range, signed by the batch's own key, with its label text."""

    first: int
    count: int
    ring: KeyRing
    key_id: str
    """The batch's key: after a rotation, re-prints still carry the codes first printed."""
    public_url: str
    text: LabelText
    pin_secret: bytes | None
    """None: the batch's labels carry no scratch PIN."""
    workers: int = 2
    gtin: str | None = None
    """Set for a GS1 Digital Link batch: its stamps are signed for this GTIN."""
    layout: SheetLayout = field(default_factory=SheetLayout)
    last_serial: int | None = None
    """The batch's last serial (sizes the serial on the labels); default: this job's."""

    def stamps(self) -> Iterator[Stamp]:
        serials = range(self.first, self.first + self.count)
        return issue_many(serials, self.ring, self.key_id, gtin=self.gtin)

    @property
    def per_page(self) -> int:
        return self.layout.per_page

    def design(self) -> LabelDesign:
        """The labels' layout; raises LayoutError when the stock cannot carry them."""
        modules = stamp_qr_modules(self.public_url, self.layout, self.gtin, self.last())
        return self.layout.design(self.text, modules, self.pin_secret is not None, self.last())

    def last(self) -> int:
        return self.last_serial if self.last_serial is not None else self.first + self.count - 1

    def pages(self, workers: int | None = None) -> Iterator[bytes]:
        return iter_png_pages(
            self.stamps(), self.layout, self.public_url, self.text, self.pin_secret,
            workers=self.workers if workers is None else workers, gtin=self.gtin,
            last_serial=self.last(),
        )  # fmt: skip

    def page(self, number: int) -> PrintJob:
        """The job for page ``number`` (1-based) alone."""
        start = self.first + (number - 1) * self.per_page
        count = min(self.per_page, self.first + self.count - start)
        return replace(self, first=start, count=count, last_serial=self.last())


def csv_producer(job: PrintJob) -> Producer:
    def produce(emit: Callable[[bytes], None]) -> None:
        if job.gtin is not None:  # the parallel range writer knows the compact form only
            for chunk in iter_csv(job.stamps(), job.public_url, job.pin_secret):
                emit(chunk)
            return
        chunks = iter_csv_range(
            job.first, job.count, job.ring, job.public_url, job.pin_secret,
            workers=job.workers, key_id=job.key_id,
        )  # fmt: skip
        for chunk in chunks:
            emit(chunk)

    return produce


def pdf_producer(job: PrintJob) -> Producer:
    def produce(emit: Callable[[bytes], None]) -> None:
        out = _QueueWriter(emit)
        write_pdf(
            job.stamps(), out, job.layout, job.public_url, job.text, job.pin_secret,  # type: ignore[arg-type]
            workers=job.workers, gtin=job.gtin, last_serial=job.last(),
        )  # fmt: skip
        out.flush()

    return produce


def png_zip_producer(job: PrintJob) -> Producer:
    def produce(emit: Callable[[bytes], None]) -> None:
        out = _QueueWriter(emit)
        # PNG is already compressed: store the pages, don't deflate them again.
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
            for number, page in enumerate(job.pages(), start=1):
                archive.writestr(f"page-{number:05d}.png", page)
        out.flush()

    return produce


def png_page_producer(job: PrintJob) -> Producer:
    def produce(emit: Callable[[bytes], None]) -> None:
        for page in job.pages(workers=1):
            emit(page)

    return produce
