"""End-to-end CLI flow through real subprocesses, asserting on exit codes and output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from stamps_support import PUBLIC_URL

import stamps


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
    assert ok.stdout.startswith("GENUINE serial=41")
    as_json = run("verify", url.lower(), "--keys", str(jwks), "--json")
    assert json.loads(as_json.stdout)["serial"] == 41
    tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
    bad = run("verify", tampered, "--keys", str(jwks), "--json")
    assert bad.returncode == 1
    assert json.loads(bad.stdout) == {
        "valid": False,
        "reason": "bad_signature",
        "detail": "signature does not match",
    }
    assert run("verify", "junk", "--keys", str(jwks)).stdout.startswith("INVALID (malformed)")


def test_verify_from_image_and_revocation(keydir: Path, tmp_path: Path) -> None:
    ring = stamps.KeyRing.load(keydir, b"s3cret")
    stamp = stamps.issue(9, ring)
    from stamps.render import LabelText, render_label

    image = tmp_path / "label.png"
    render_label(stamp, PUBLIC_URL, LabelText("Cam sành", "HTX Bắc Quang")).save(image)
    ring.revoke(ring.current_kid)
    jwks = tmp_path / "revoked.json"
    jwks.write_text(json.dumps(ring.to_jwks()))
    result = run("verify", str(image), "--keys", str(jwks), "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["reason"] == "revoked_key"
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
