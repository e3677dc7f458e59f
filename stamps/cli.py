"""``python -m stamps``: offline verification and a small issuing workflow.

Exit codes: 0 every stamp genuine (or its signature valid when no revocation list was
given) / success, 1 a stamp that is not, or an operational failure, 2 usage error or
unreadable verification files.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from stamps import render
from stamps.core import issue, issue_many, verify
from stamps.format import MAX_SERIAL, TRIMMED, InvalidStamp
from stamps.keys import KeyFileError, KeyRing, read_jwks
from stamps.layouts import add_layout_arguments, choose_stock, layout_choice
from stamps.offline import Manifest, OfflineVerdict, RevocationList, check_offline
from stamps.pin import scratch_pin
from stamps.sheets import SheetLayout, iter_csv, iter_png_pages, write_pdf


def _passphrase(args: argparse.Namespace, confirm: bool = False) -> bytes:
    if args.passphrase_env:
        value = os.environ.get(args.passphrase_env)
        if value is None:
            raise SystemExit(f"error: environment variable {args.passphrase_env} is not set")
        return value.encode("utf-8")
    first = getpass.getpass("Key ring passphrase: ")
    if confirm and getpass.getpass("Repeat passphrase: ") != first:
        raise SystemExit("error: passphrases differ")
    return first.encode("utf-8")


def _pin_secret(args: argparse.Namespace) -> bytes | None:
    if not getattr(args, "pin_secret_env", None):
        return None
    value = os.environ.get(args.pin_secret_env)
    if value is None:
        raise SystemExit(f"error: environment variable {args.pin_secret_env} is not set")
    return value.encode("utf-8")


_IMAGE_SUFFIXES = frozenset((".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"))
_WORDS = {
    "activated": "GENUINE",
    "genuine": "GENUINE",
    "unchecked": "SIGNATURE VALID; revocation not checked",
    "not_activated": "NOT ACTIVATED",
    "revoked": "REVOKED",
    "invalid": "INVALID",
}
_ACCEPTABLE = frozenset(("activated", "genuine", "unchecked"))


def _as_file(target: str) -> Path | None:
    """The file a target names, if it names one (a 300-character code is not a file name)."""
    if "://" in target or (target.isascii() and target.isdigit()):
        return None
    try:
        path = Path(target)
        return path if path.is_file() else None
    except (OSError, ValueError):  # too long, NUL, …: not a file name, so a code
        return None


def _inputs(targets: list[str], stdin: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(where it came from, text) for every code the targets hold."""
    for target in targets:
        if target == "-":
            for number, line in enumerate(stdin, start=1):
                if line.strip(TRIMMED):
                    yield f"stdin:{number}", line.strip(TRIMMED)
            continue
        path = _as_file(target)
        if path is None:
            yield target, target
        elif path.suffix.lower() in _IMAGE_SUFFIXES:
            texts = render.read_qr_texts(path)
            if not texts:
                yield str(path), ""  # a photo without a readable QR is a failed check
            for number, text in enumerate(texts, start=1):
                yield f"{path}#qr{number}", text
        else:
            with path.open(encoding="utf-8", errors="replace") as lines:
                for number, line in enumerate(lines, start=1):
                    if line.strip(TRIMMED):
                        yield f"{path}:{number}", line.strip(TRIMMED)


def _load_ring(path: str) -> KeyRing:
    ring, problems = read_jwks(Path(path).read_bytes())
    for problem in problems:
        print(f"warning: {path}: {problem}", file=sys.stderr)
    if not len(ring):
        raise ValueError(f"{path} holds no usable Ed25519 stamp key")
    return ring


def _line(verdict: OfflineVerdict, detail: str) -> str:
    words = _WORDS[verdict.status]
    if verdict.status == "invalid" or (verdict.status == "revoked" and verdict.serial is None):
        return f"{words} ({verdict.reason}): {detail}" if detail else f"{words} ({verdict.reason})"
    if verdict.category == "recalled":
        words = "REVOKED: LOT RECALLED"
    parts = [words + (f" ({verdict.reason})" if verdict.reason else "")]
    parts.append(f"serial={verdict.serial} key_id={verdict.key_id}")
    for name in ("category", "product", "gtin", "lot", "cooperative", "expires_on"):
        value = getattr(verdict, name)
        if value is not None:
            parts.append(f"{name}={json.dumps(value, ensure_ascii=False)}")
    if verdict.expired:
        parts.append("EXPIRED")
    if verdict.status == "genuine":
        parts.append("(activation not checked: no manifest for this stamp)")
    if verdict.revocations_overdue:
        parts.append("[revocation list overdue: fetch a new one]")
    return " ".join(parts)


def _cmd_verify(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    try:
        ring = _load_ring(args.keys)
        revocations = (
            RevocationList.open(Path(args.revocations).read_bytes(), ring)
            if args.revocations
            else None
        )
        manifest = Manifest.open(Path(args.manifest).read_bytes(), ring) if args.manifest else None
    except (OSError, ValueError) as exc:
        print(f"error: cannot load the verification files: {exc}", file=sys.stderr)
        return 2
    if revocations is not None and revocations.overdue(now):
        print(
            f"warning: the revocation list is overdue (next update was "
            f"{revocations.next_update.isoformat()}); fetch a new one",
            file=sys.stderr,
        )
    results = []
    for source, text in _inputs(args.targets, sys.stdin):
        verdict = check_offline(text, ring, now, revocations, manifest)
        detail = ""
        if verdict.status == "invalid":
            try:
                verify(text, ring)
            except InvalidStamp as exc:
                detail = exc.detail
        results.append((source, verdict, detail))
    counts = Counter(verdict.status for _, verdict, _ in results)
    if args.json:
        print(
            json.dumps(
                {
                    "items": [
                        {
                            "input": source,
                            "valid": verdict.status in _ACCEPTABLE,
                            **verdict.as_dict(),
                            **({"detail": detail} if detail else {}),
                        }
                        for source, verdict, detail in results
                    ],
                    "summary": dict(sorted(counts.items())),
                    "revocations": {
                        "checked": revocations is not None,
                        **(
                            {
                                "issued_at": revocations.issued_at.isoformat(),
                                "next_update": revocations.next_update.isoformat(),
                                "overdue": revocations.overdue(now),
                            }
                            if revocations
                            else {}
                        ),
                    },
                },
                ensure_ascii=False,
            )
        )
    else:
        many = len(results) > 1
        for source, verdict, detail in results:
            print((f"{source}: " if many else "") + _line(verdict, detail))
        if many:
            summary = ", ".join(f"{n} {_WORDS[s].split(';')[0].lower()}" for s, n in counts.items())
            print(f"{len(results)} codes: {summary}")
    if not results:
        print("error: no stamp code given", file=sys.stderr)
        return 2
    return 0 if all(verdict.status in _ACCEPTABLE for _, verdict, _ in results) else 1


def _cmd_keys(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if args.keys_command == "generate":
        if (directory / "keyring.json").exists():
            print(f"error: {directory} already holds a key ring", file=sys.stderr)
            return 1
        ring = KeyRing.generate()
        ring.save(directory, _passphrase(args, confirm=True))
        print(ring.current_kid)
        return 0
    if args.keys_command == "export-jwks":
        text = json.dumps(KeyRing.load(directory, None).to_jwks(), indent=2) + "\n"
        if args.out:
            Path(args.out).write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    passphrase = _passphrase(args)
    ring = KeyRing.load(directory, passphrase)
    if args.keys_command == "rotate":
        print(ring.rotate())
    elif args.keys_command == "retire":
        ring.retire(args.kid)
    else:
        ring.revoke(args.kid)
    ring.save(directory, passphrase)
    return 0


def _cmd_issue(args: argparse.Namespace) -> int:
    ring = KeyRing.load(Path(args.dir), _passphrase(args))
    pin_secret = _pin_secret(args)
    for serial in range(args.serial, args.serial + args.count):
        stamp = issue(serial, ring)
        pin = f" {scratch_pin(pin_secret, serial)}" if pin_secret else ""
        print(f"{serial} {stamp.url(args.public_url)}{pin}")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    ring = KeyRing.load(Path(args.dir), _passphrase(args))
    stamps = issue_many(range(args.start, args.start + args.count), ring)
    out = Path(args.out)
    text = render.LabelText(product=args.product, cooperative=args.cooperative, lot=args.lot)
    layout = SheetLayout(stock=choose_stock(**layout_choice(args)), dpi=args.dpi)
    pin_secret = _pin_secret(args)
    if out.suffix.lower() == ".pdf":
        with out.open("wb") as handle:
            pages = write_pdf(
                stamps, handle, layout, args.public_url, text, pin_secret, workers=args.workers
            )
        print(f"{out}: {pages} pages")
    elif out.suffix.lower() == ".csv":
        with out.open("wb") as handle:
            for chunk in iter_csv(stamps, args.public_url, pin_secret):
                handle.write(chunk)
        print(out)
    else:
        out.mkdir(parents=True, exist_ok=True)
        pngs = iter_png_pages(stamps, layout, args.public_url, text, pin_secret, args.workers)
        for number, png in enumerate(pngs, start=1):
            (out / f"page-{number:05d}.png").write_bytes(png)
        print(out)
    return 0


def _serial(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_SERIAL:
        raise argparse.ArgumentTypeError(f"serial must be in [0, {MAX_SERIAL}]")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m stamps", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser(
        "verify",
        help="verify stamps offline: URLs, codes, photos (every QR), text files, '-' for stdin",
    )
    p.add_argument(
        "targets",
        nargs="+",
        metavar="TARGET",
        help="stamp URL or code, a photo (every QR in it), a text file of codes, or - (stdin)",
    )
    p.add_argument("--keys", required=True, help="JWKS file (/.well-known/jwks.json)")
    p.add_argument(
        "--revocations", help="signed revocation list (/.well-known/stamps/revocations.json)"
    )
    p.add_argument("--manifest", help="signed batch manifest (/.well-known/stamps/manifest.json)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=_cmd_verify)

    def with_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--dir", required=True, help="key ring directory")
        p.add_argument("--passphrase-env", help="read the passphrase from this env variable")

    keys = sub.add_parser("keys", help="manage the signing key ring")
    keys.set_defaults(handler=_cmd_keys)
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    with_dir(keys_sub.add_parser("generate", help="create a key ring with one key"))
    with_dir(keys_sub.add_parser("rotate", help="add a new signing key, retire the old"))
    for name in ("retire", "revoke"):
        p = keys_sub.add_parser(name, help=f"{name} a key by id")
        with_dir(p)
        p.add_argument("kid")
    p = keys_sub.add_parser("export-jwks", help="print the public keys as JWKS")
    with_dir(p)
    p.add_argument("--out", help="write to this file instead of stdout")

    p = sub.add_parser("issue", help="print stamp URLs for serials")
    with_dir(p)
    p.add_argument("--serial", type=_serial, required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--public-url", required=True)
    p.add_argument("--pin-secret-env", help="env variable holding the PIN secret")
    p.set_defaults(handler=_cmd_issue)

    p = sub.add_parser("render", help="print sheets: OUT.pdf, OUT.csv or a PNG directory")
    with_dir(p)
    p.add_argument("--start", type=_serial, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--public-url", required=True)
    p.add_argument("--product", required=True)
    p.add_argument("--cooperative", required=True)
    p.add_argument("--out", required=True)
    p.add_argument(
        "--lot", help="the lot code printed on every label (default: a line to write it)"
    )
    p.add_argument("--dpi", type=int, choices=(300, 600), default=300)
    add_layout_arguments(p)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--pin-secret-env", help="env variable holding the PIN secret")
    p.set_defaults(handler=_cmd_render)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (KeyFileError, OSError, ValueError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
