"""End-to-end CLI flow through real subprocesses, asserting on exit codes and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import stamps
from tests.stamps.stamps_support import PUBLIC_URL


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stamps", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "STAMP_PASS": "s3cret", **(env or {})},
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def keydir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    result = run("keys", "generate", "--dir", str(directory), "--passphrase-env", "STAMP_PASS")
    assert result.returncode == 0, result.stderr
    return directory


def test_issue_export_verify_flow(keydir: Path, tmp_path: Path) -> None:
    jwks = tmp_path / "jwks.json"
    assert run("keys", "export-jwks", "--dir", str(keydir), "--out", str(jwks)).returncode == 0
    issued = run(
        "issue",
        "--dir",
        str(keydir),
        "--passphrase-env",
        "STAMP_PASS",
        "--serial",
        "41",
        "--public-url",
        PUBLIC_URL,
    )
    assert issued.returncode == 0, issued.stderr
    serial, url = issued.stdout.split()
    assert serial == "41"
    ok = run("verify", url, "--keys", str(jwks))
    assert ok.returncode == 0
    # Without a revocation list it never says just GENUINE.
    assert ok.stdout.startswith("SIGNATURE VALID; revocation not checked serial=41")
    as_json = run("verify", url.lower(), "--keys", str(jwks), "--json")
    (item,) = json.loads(as_json.stdout)["items"]
    assert (item["serial"], item["status"], item["revocation_checked"]) == (41, "unchecked", False)
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    bad = run("verify", tampered, "--keys", str(jwks), "--json")
    assert bad.returncode == 1
    (item,) = json.loads(bad.stdout)["items"]
    assert item == {
        "input": tampered,
        "valid": False,
        "status": "invalid",
        "reason": "bad_signature",
        "detail": "signature does not match",
        "revocation_checked": False,
    }
    assert run("verify", "junk", "--keys", str(jwks)).stdout.startswith("INVALID (malformed)")


def test_verify_from_image_and_revocation(keydir: Path, tmp_path: Path) -> None:
    ring = stamps.KeyRing.load(keydir, b"s3cret")
    stamp = stamps.issue(9, ring)
    from stamps.labels import render_label
    from stamps.render import LabelText

    image = tmp_path / "label.png"
    label = render_label(
        stamp.serial, stamp.url(PUBLIC_URL), LabelText("Cam sành", "HTX Bắc Quang")
    )
    label.save(image)
    ring.revoke(ring.current_kid)
    jwks = tmp_path / "revoked.json"
    jwks.write_text(json.dumps(ring.to_jwks()))
    result = run("verify", str(image), "--keys", str(jwks), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["items"][0]["reason"] == "revoked_key"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(stamps.KeyRing.load(keydir, b"s3cret").to_jwks()))
    assert run("verify", str(image), "--keys", str(good)).returncode == 0


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("verify", "x").returncode == 2  # --keys missing
    assert run("frobnicate").returncode == 2
    assert run("verify", "x", "--keys", str(tmp_path / "missing.json")).returncode == 2


def test_wrong_passphrase_exits_1(keydir: Path) -> None:
    result = run(
        "issue",
        "--dir",
        str(keydir),
        "--passphrase-env",
        "WRONG",
        "--serial",
        "1",
        "--public-url",
        PUBLIC_URL,
        env={"WRONG": "nope"},
    )
    assert result.returncode == 1
    assert "cannot decrypt" in result.stderr


def test_render_pdf(keydir: Path, tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"
    result = run(
        "render",
        "--dir",
        str(keydir),
        "--passphrase-env",
        "STAMP_PASS",
        "--start",
        "0",
        "--count",
        "41",
        "--public-url",
        PUBLIC_URL,
        "--product",
        "Chè Shan tuyết",
        "--cooperative",
        "HTX Lũng Phìn",
        "--out",
        str(out),
        "--workers",
        "1",
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert b"/Count 2" in out.read_bytes()


def _jwks(keydir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(stamps.KeyRing.load(keydir, b"s3cret").to_jwks()))
    return path


def test_an_argument_too_long_for_a_file_name_is_a_code(keydir: Path, tmp_path: Path) -> None:
    jwks = _jwks(keydir, tmp_path)
    for text in ("9" * 300, "x" * 5000, "https://a.example/s/" + "1" * 400):
        result = run("verify", text, "--keys", str(jwks))
        assert result.returncode == 1, result.stderr
        assert result.stdout.startswith("INVALID (malformed)")
        assert "Traceback" not in result.stderr


def test_every_qr_in_a_photo_and_codes_from_a_file_and_stdin(keydir: Path, tmp_path: Path) -> None:
    ring = stamps.KeyRing.load(keydir, b"s3cret")
    jwks = _jwks(keydir, tmp_path)
    from stamps.render import LabelText
    from stamps.sheets import SheetLayout, iter_png_pages

    page = next(
        iter_png_pages(
            stamps.issue_many(range(100, 140), ring),
            SheetLayout(dpi=300),
            PUBLIC_URL,
            LabelText("Cam sành", "HTX Anh Tài"),
            None,
            1,
        )
    )
    photo = tmp_path / "sheet.png"
    photo.write_bytes(page)
    result = run("verify", str(photo), "--keys", str(jwks), "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert sorted(item["serial"] for item in body["items"]) == list(range(100, 140))
    listing = tmp_path / "delivery.txt"
    good = [stamps.issue(n, ring).url(PUBLIC_URL) for n in (1, 2, 3)]
    listing.write_text("\n".join([*good, "", "not a stamp"]) + "\n", encoding="utf-8")
    from_file = run("verify", str(listing), "--keys", str(jwks))
    assert from_file.returncode == 1
    lines = from_file.stdout.splitlines()
    assert lines[0].startswith(f"{listing}:1: SIGNATURE VALID")
    assert lines[-1] == "4 codes: 3 signature valid, 1 invalid"
    piped = subprocess.run(
        [sys.executable, "-m", "stamps", "verify", "-", "--keys", str(jwks), "--json"],
        input="\n".join(good) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["summary"] == {"unchecked": 3}


def test_bad_jwks_entries_are_skipped_with_a_reason(keydir: Path, tmp_path: Path) -> None:
    ring = stamps.KeyRing.load(keydir, b"s3cret")
    good = ring.to_jwks()["keys"][0]
    other = stamps.KeyRing.generate().to_jwks()["keys"][0]
    no_kid = {k: v for k, v in other.items() if k != "kid"}
    jwks = tmp_path / "mixed.json"
    jwks.write_text(
        json.dumps(
            {
                "keys": [
                    {"kty": "RSA", "n": "x", "e": "AQAB"},  # not a stamp key: ignored
                    {**other, "x": "!!"},
                    no_kid,
                    {**other, "kid": "00000000"},
                    {**other, "status": "sleeping"},
                    "not an object",
                    good,
                    good,
                ]
            }
        )
    )
    url = stamps.issue(5, ring).url(PUBLIC_URL)
    result = run("verify", url, "--keys", str(jwks))
    assert result.returncode == 0, result.stderr
    warnings = result.stderr.splitlines()
    assert len(warnings) == 6
    assert any("no kid" in w for w in warnings)
    assert any("does not match" in w for w in warnings)
    assert any("repeats" in w for w in warnings)
    # A stamp whose key was only in a skipped entry is unknown, not trusted.
    other_stamp = stamps.issue(5, stamps.KeyRing.generate()).code
    assert run("verify", other_stamp, "--keys", str(jwks)).stdout.startswith(
        "INVALID (unknown_key)"
    )
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"keys": [no_kid]}))
    assert run("verify", url, "--keys", str(empty)).returncode == 2
