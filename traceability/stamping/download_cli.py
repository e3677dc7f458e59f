"""``traceability stamps download``: fetch a batch's print file with a progress bar."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TextIO

from stamps.layouts import add_layout_arguments, layout_choice

_CHUNK = 256 * 1024
_TAIL = 1024


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stamps = commands.add_parser("stamps", help="stamp batches through a running service")
    sub = stamps.add_subparsers(dest="stamps_command", required=True)
    download = sub.add_parser("download", help="download a batch's PDF, PNG pages or CSV")
    download.add_argument("batch_id", type=int)
    download.add_argument("--format", choices=["pdf", "png", "csv"], default="pdf")
    download.add_argument("--page", type=int, help="one PNG page instead of a zip of all")
    download.add_argument("-o", "--output", required=True, help="file to write")
    add_layout_arguments(download)
    download.add_argument("--url", default="http://127.0.0.1:8000", help="the service")
    download.add_argument(
        "--key",
        default=os.environ.get("TRACEABILITY_API_KEY"),
        help="API key (default: $TRACEABILITY_API_KEY)",
    )


class Progress:
    """Stamps (CSV rows) or pages (PDF) done out of the total the service announced."""

    def __init__(self, out: TextIO, fmt: str, stamps: int, pages: int) -> None:
        self.out, self.fmt = out, fmt
        self.total = stamps if fmt == "csv" else pages
        self.unit = "stamps" if fmt == "csv" else "pages"
        self.done = -1 if fmt == "csv" else 0  # the CSV header is not a stamp
        self.bytes = 0
        self.started = time.monotonic()
        self.shown = 0.0

    def update(self, chunk: bytes) -> None:
        self.bytes += len(chunk)
        if self.fmt == "csv":
            self.done += chunk.count(b"\n")
        elif self.fmt == "pdf":
            self.done += chunk.count(b"/Type /Page ")
        elif self.fmt == "png":
            self.done += chunk.count(b"IEND")
        now = time.monotonic()
        if now - self.shown >= 0.2:
            self.shown = now
            self.show()

    def so_far(self) -> str:
        return f"{max(self.done, 0):,} of {self.total:,} {self.unit}"

    def show(self, end: str = "\r") -> None:
        done = max(self.done, 0)
        fraction = min(done / self.total, 1.0) if self.total else 0.0
        bar = "#" * int(fraction * 30)
        print(
            f"[{bar:<30}] {fraction:6.1%} {done:,}/{self.total:,} {self.unit}, "
            f"{self.bytes / 1e6:,.1f} MB, {time.monotonic() - self.started:,.0f} s",
            end=end,
            file=self.out,
            flush=True,
        )


def run(args: argparse.Namespace) -> int:
    if not args.key:
        print("an API key is needed: --key or TRACEABILITY_API_KEY", file=sys.stderr)
        return 2
    if not args.url.startswith(("http://", "https://")):
        print("--url must start with http:// or https://", file=sys.stderr)
        return 2
    params = {"format": args.format, **({"page": str(args.page)} if args.page else {})}
    query = urllib.parse.urlencode({**params, **layout_choice(args)})
    url = f"{args.url.rstrip('/')}/api/v1/stamp-batches/{args.batch_id}/download?{query}"
    # The scheme was checked above: only http(s).
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {args.key}"})  # noqa: S310
    try:
        response = urllib.request.urlopen(request, timeout=600)  # noqa: S310 - the user's URL
    except urllib.error.HTTPError as exc:
        print(f"{exc.code}: {_problem(exc)}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        print(f"cannot reach {args.url}: {reason}", file=sys.stderr)
        return 1
    target = Path(args.output)
    progress = Progress(
        sys.stderr,
        args.format,
        int(response.headers.get("X-Stamp-Count") or 0),
        1 if args.page else int(response.headers.get("X-Page-Count") or 0),
    )
    try:
        with response:
            save(response, target, progress, whole=_whole(args.format, args.page, progress))
    except IncompleteDownload as exc:
        print(file=sys.stderr)
        print(
            f"download broken after {progress.bytes / 1e6:,.1f} MB ({exc}): {target} was not "
            "written; run the command again",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted: {target} was not written", file=sys.stderr)
        return 130
    except OSError as exc:  # the partial file could not be made beside the target
        print(f"cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    progress.show(end="\n")
    return 0


class IncompleteDownload(Exception):
    """The stream ended before the whole file arrived (the message says how far it got)."""


def save(
    source: http.client.HTTPResponse,
    target: Path,
    progress: Progress,
    whole: Callable[[bytes], bool],
) -> None:
    """Write the body to ``target`` only once all of it arrived and ``whole(tail)`` holds.

    The bytes go to a hidden file beside the target, which is renamed over it at the end:
    a broken download never leaves a file that looks like a finished one (a CSV cut at a
    line end, a PDF with its first pages).
    """
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".partial")
    partial = Path(name)  # mode 0600: a CSV holds every stamp's scratch PIN
    try:
        with open(fd, "wb") as handle:
            tail = copy(source, handle, progress)
            handle.flush()
            os.fsync(handle.fileno())
        if source.length:  # Content-Length promised more than came (http.client is silent)
            raise IncompleteDownload(f"{source.length:,} bytes missing")
        if not whole(tail):
            raise IncompleteDownload(progress.so_far() + ", and the file is cut short")
        os.replace(partial, target)
    except (OSError, http.client.HTTPException) as exc:
        partial.unlink(missing_ok=True)
        raise IncompleteDownload(f"{progress.so_far()}; {_why(exc)}") from exc
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _why(exc: BaseException) -> str:
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed mid-stream"
    return str(exc) or type(exc).__name__


def _whole(fmt: str, page: int | None, progress: Progress) -> Callable[[bytes], bool]:
    """How the end of a complete file looks: a CSV has every row, a PDF its trailer…"""
    if fmt == "csv":
        return lambda tail: (
            tail.endswith(b"\n") and (not progress.total or progress.done == progress.total)
        )
    if fmt == "pdf":
        return lambda tail: tail.rstrip().endswith(b"%%EOF")
    if page:  # one PNG: the image ends with its IEND chunk
        return lambda tail: tail.endswith(b"IEND\xaeB`\x82")
    return lambda tail: b"PK\x05\x06" in tail  # a zip's end-of-central-directory record


def _problem(exc: urllib.error.HTTPError) -> str:
    body = exc.read()
    try:
        detail = json.loads(body).get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else body.decode(errors="replace")[:500]


def copy(source: http.client.HTTPResponse, target: BinaryIO, progress: Progress) -> bytes:
    """Copy everything; return the last bytes (to check the file's end)."""
    tail = b""
    # read1: what has arrived, as it arrives (read(n) would wait for n bytes, and lose them
    # if the stream broke meanwhile).
    while chunk := source.read1(_CHUNK):
        target.write(chunk)
        progress.update(chunk)
        tail = (tail + chunk)[-_TAIL:]
    return tail
