"""``traceability stamps download``: fetch a batch's print file with a progress bar."""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import BinaryIO, TextIO

from stamps.layouts import add_layout_arguments, layout_choice

_CHUNK = 256 * 1024


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
        print(f"{exc.code}: {exc.read().decode(errors='replace')}", file=sys.stderr)
        return 1
    with response, open(args.output, "wb") as out:
        progress = Progress(
            sys.stderr,
            args.format,
            int(response.headers.get("X-Stamp-Count") or 0),
            1 if args.page else int(response.headers.get("X-Page-Count") or 0),
        )
        copy(response, out, progress)
        progress.show(end="\n")
    return 0


def copy(source: BinaryIO, target: BinaryIO, progress: Progress) -> None:
    while chunk := source.read(_CHUNK):
        target.write(chunk)
        progress.update(chunk)
