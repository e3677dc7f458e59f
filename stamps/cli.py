"""``python -m stamps``: offline verification and a small issuing workflow.

Exit codes: 0 genuine / success, 1 invalid stamp or operational failure,
2 usage error (argparse's convention).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from stamps import render
from stamps.core import issue, issue_many, verify
from stamps.format import MAX_SERIAL, InvalidStamp
from stamps.keys import KeyFileError, KeyRing
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


def _cmd_verify(args: argparse.Namespace) -> int:
    try:
        ring = KeyRing.from_jwks(Path(args.keys).read_bytes())
    except (OSError, ValueError) as exc:
        print(f"error: cannot load keys: {exc}", file=sys.stderr)
        return 2
    target: str = args.target
    candidates = [target]
    if Path(target).is_file():
        candidates = render.read_qr_texts(Path(target)) or [""]
    try:
        stamp = verify(candidates[0], ring)
    except InvalidStamp as exc:
        failure = {"valid": False, "reason": exc.reason.value, "detail": exc.detail}
        print(json.dumps(failure) if args.json else f"INVALID ({exc.reason.value}): {exc.detail}")
        return 1
    result: dict[str, object] = {
        "valid": True,
        "serial": stamp.serial,
        "key_id": stamp.key_id,
        "code": stamp.code,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"GENUINE serial={stamp.serial} key_id={stamp.key_id}")
    return 0


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
    text = render.LabelText(product=args.product, cooperative=args.cooperative)
    layout = SheetLayout(label=render.LabelLayout(dpi=args.dpi))
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

    p = sub.add_parser("verify", help="verify a stamp URL, code or QR image offline")
    p.add_argument("target", help="stamp URL, bare code, or path to an image with the QR")
    p.add_argument("--keys", required=True, help="JWKS file with the authority's public keys")
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
    p.add_argument("--dpi", type=int, choices=(300, 600), default=300)
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
