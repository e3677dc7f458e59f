"""Format v1: golden vectors, RFC 8032, parsing rules and negative cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stamps
from stamps import InvalidStamp, Reason, _crypto
from stamps.format import CODE_LENGTH, MAX_SERIAL, SIGNING_CONTEXT, qr_segments
from tests.stamps.stamps_support import PUBLIC_URL, SEED_A, SEED_B

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "stamps_v1.json").read_text("utf-8")
)["vectors"]


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['key_id']}-{v['serial']}")
def test_golden_vectors(vector: dict[str, object]) -> None:
    seed = bytes.fromhex(str(vector["seed"]))
    ring = stamps.KeyRing.from_private_bytes([seed])
    stamp = stamps.issue(int(str(vector["serial"])), ring)
    assert stamp.code == vector["code"]
    assert stamp.key_id == vector["key_id"]
    assert stamp.url(PUBLIC_URL) == vector["url"]
    # The documented layout, checked independently of stamps.format.
    public = bytes.fromhex(str(vector["public_key"]))
    assert _crypto.public_key_of(seed) == public
    payload = int(str(vector["code"])).to_bytes(74, "big")
    assert payload[:10].hex() == vector["header"]
    assert payload[0] == 1
    assert payload[1:5] == __import__("hashlib").sha256(public).digest()[:4]
    assert int.from_bytes(payload[5:10], "big") == vector["serial"]
    message = bytes.fromhex(str(vector["message"]))
    assert message == b"hagiang-smart-stamp:v1:" + payload[:10]
    assert _crypto.verify(public, payload[10:], message)
    verified = stamps.verify(str(vector["url"]), stamps.KeyRing.from_jwks(ring.to_jwks()))
    assert verified.serial == vector["serial"]
    assert stamps.scratch_pin(b"hagiang-test-pin-secret", verified.serial) == vector["pin"]


def test_vectors_cover_zero_and_max() -> None:
    serials = {v["serial"] for v in VECTORS}
    assert {0, MAX_SERIAL} <= serials
    assert MAX_SERIAL == 2**40 - 1


RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032)
def test_rfc8032_section_7_1(secret: str, public: str, message: str, signature: str) -> None:
    seed, msg = bytes.fromhex(secret), bytes.fromhex(message)
    assert _crypto.public_key_of(seed) == bytes.fromhex(public)
    assert _crypto.sign(seed, msg) == bytes.fromhex(signature)
    assert _crypto.verify(bytes.fromhex(public), bytes.fromhex(signature), msg)
    assert not _crypto.verify(bytes.fromhex(public), bytes.fromhex(signature), msg + b"x")


def test_deterministic_and_code_shape(ring: stamps.KeyRing) -> None:
    a, b = stamps.issue(7, ring), stamps.issue(7, ring)
    assert a == b
    assert len(a.code) == CODE_LENGTH
    assert a.code.isascii()
    assert a.code.isdigit()
    assert a.code == a.code.upper()
    assert [s.code for s in stamps.issue_many([7, 8], ring)] == [a.code, stamps.issue(8, ring).code]
    assert [s.code for s in stamps.issue_many(range(7, 9), ring)] == [
        a.code,
        stamps.issue(8, ring).code,
    ]


def test_url_form(ring: stamps.KeyRing) -> None:
    stamp = stamps.issue(5, ring)
    assert stamp.url("https://trace.hagiang.gov.vn/") == (
        "https://TRACE.HAGIANG.GOV.VN/S/" + stamp.code
    )
    assert stamp.url("HTTPS://Trace.Hagiang.gov.vn") == stamp.url(PUBLIC_URL)
    assert stamp.url("http://localhost:8000").startswith("http://LOCALHOST:8000/S/")
    for bad in ("trace.hagiang.gov.vn", "https://x.vn/base", "ftp://x.vn", "https://x_y.vn"):
        with pytest.raises(ValueError):
            stamp.url(bad)
    assert qr_segments(stamp.url(PUBLIC_URL)) == [
        ("byte", "https"),
        ("alnum", "://TRACE.HAGIANG.GOV.VN/S/"),
        ("numeric", stamp.code),
    ]


@pytest.mark.parametrize(
    "form",
    [
        "{code}",
        "  {code}\n",
        "{url}",
        "{lower}",
        "https://other.example.org/s/{code}",
        "HTTPS://TRACE.HAGIANG.GOV.VN/S/{code}",
        "trace.hagiang.gov.vn/S/{code}",
        "http://localhost:8000/s/{code}",
    ],
)
def test_accepted_forms(ring: stamps.KeyRing, form: str) -> None:
    stamp = stamps.issue(99, ring)
    url = stamp.url(PUBLIC_URL)
    text = form.format(code=stamp.code, url=url, lower=url.lower())
    assert stamps.verify(text, ring) == stamp
    assert stamps.decode(text) == stamp


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-1],
        lambda c: c + "0",
        lambda c: c[1:],
        lambda c: c[:50] + " " + c[50:],
        lambda c: c[:50] + "-" + c[50:],
        lambda c: c.replace("1", "١"),  # Arabic-Indic digit: int() would accept it
        lambda c: c[:10] + "_" + c[10:],
        lambda c: "+" + c[1:],
        lambda c: "https://x.vn/t/" + c,
        lambda c: "https://x.vn/s/" + c + "?utm=1",
        lambda c: "https://x.vn/s/" + c + "/",
        lambda c: "https://x.vn/s/s/" + c,
        lambda c: "",
        lambda c: "junk",
        lambda c: "9" * CODE_LENGTH,  # version byte 15
        lambda c: "0" * CODE_LENGTH,
        lambda c: c * 5,
    ],
)
def test_malformed(ring: stamps.KeyRing, mangle: object) -> None:
    code = stamps.issue(3, ring).code
    text = mangle(code)  # type: ignore[operator]
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(text, ring)
    assert info.value.reason is Reason.MALFORMED
    with pytest.raises(InvalidStamp):
        stamps.decode(text)


def _with_payload_byte_flipped(code: str, index: int, bit: int = 0) -> str:
    payload = bytearray(int(code).to_bytes(74, "big"))
    payload[index] ^= 1 << bit
    return str(int.from_bytes(payload, "big")).zfill(CODE_LENGTH)


@pytest.mark.parametrize("index", [5, 9, 10, 40, 73])
def test_flipped_bit_in_serial_or_signature(ring: stamps.KeyRing, index: int) -> None:
    code = _with_payload_byte_flipped(stamps.issue(3, ring).code, index)
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(code, ring)
    assert info.value.reason is Reason.BAD_SIGNATURE
    assert stamps.decode(code).key_id == stamps.issue(3, ring).key_id  # still parses


def test_flipped_bit_in_key_id_is_unknown_key(ring: stamps.KeyRing) -> None:
    code = _with_payload_byte_flipped(stamps.issue(3, ring).code, 2)
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(code, ring)
    assert info.value.reason is Reason.UNKNOWN_KEY


def test_wrong_ring_is_unknown_key(ring: stamps.KeyRing) -> None:
    other = stamps.KeyRing.from_private_bytes([SEED_B])
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(stamps.issue(3, ring).code, other)
    assert info.value.reason is Reason.UNKNOWN_KEY


def test_signature_over_other_context_is_rejected(ring: stamps.KeyRing) -> None:
    # Same key, same header, but signed without the domain-separation prefix.
    stamp = stamps.issue(3, ring)
    header = int(stamp.code).to_bytes(74, "big")[:10]
    forged = header + _crypto.sign(SEED_A, header)
    code = str(int.from_bytes(forged, "big")).zfill(CODE_LENGTH)
    assert SIGNING_CONTEXT.startswith(b"hagiang")
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(code, ring)
    assert info.value.reason is Reason.BAD_SIGNATURE


def test_serial_bounds(ring: stamps.KeyRing) -> None:
    assert stamps.issue(MAX_SERIAL, ring).serial == MAX_SERIAL
    for bad in (-1, MAX_SERIAL + 1):
        with pytest.raises(ValueError):
            stamps.issue(bad, ring)
        with pytest.raises(ValueError):
            list(stamps.issue_many([bad], ring))
    with pytest.raises(ValueError):
        list(stamps.issue_many(range(MAX_SERIAL, MAX_SERIAL + 2), ring))
    with pytest.raises(TypeError):
        stamps.issue(True, ring)


def test_non_str_input_is_malformed(ring: stamps.KeyRing) -> None:
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(b"123", ring)  # type: ignore[arg-type]
    assert info.value.reason is Reason.MALFORMED


def test_verify_many_matches_verify(ring: stamps.KeyRing) -> None:
    good = [s.code for s in stamps.issue_many(range(20), ring)]
    codes = [*good, "junk", _with_payload_byte_flipped(good[0], 50)]
    for workers in (1, 2):
        results = stamps.verify_many(codes, ring, workers=workers)
        assert [r.serial for r in results[:20] if isinstance(r, stamps.Stamp)] == list(range(20))
        assert isinstance(results[20], InvalidStamp)
        assert results[20].reason is Reason.MALFORMED
        assert isinstance(results[21], InvalidStamp)
        assert results[21].reason is Reason.BAD_SIGNATURE


def test_trimming_removes_ascii_whitespace_only(ring: stamps.KeyRing) -> None:
    code = stamps.issue(7, ring).code
    for padded in (f" {code}\r\n", f"\t{code}\t", f"\f{code}\v"):
        assert stamps.verify(padded, ring).serial == 7
    for padded in (f"\u00a0{code}", f"\x1f{code}", f"{code}\u3000", f"\ufeff{code}"):
        with pytest.raises(stamps.InvalidStamp) as caught:
            stamps.verify(padded, ring)
        assert caught.value.reason is stamps.Reason.MALFORMED


def test_host_grammar_is_what_an_issuer_can_print(ring: stamps.KeyRing) -> None:
    code = stamps.issue(8, ring).code
    for host in (
        "tem.hagiang.gov.vn",
        "TEM.HAGIANG.GOV.VN:8443",
        "localhost",
        "10.0.0.1",
        "a-b.vn",
    ):
        assert stamps.verify(f"https://{host}/S/{code}", ring).serial == 8
    for host in ("[::1]", "-a-.vn", "a..vn", "a.vn.", "user@a.vn", "a_b.vn", "a.vn:123456"):
        with pytest.raises(stamps.InvalidStamp):
            stamps.verify(f"https://{host}/S/{code}", ring)


def test_input_length_bound(ring: stamps.KeyRing) -> None:
    code = stamps.issue(9, ring).code
    longest = "https://" + ".".join(["a" * 63] * 3 + ["b" * 61]) + ":65535/S/" + code
    assert len(longest) == 447
    assert stamps.verify(longest, ring).serial == 9
    assert stamps.verify(" " * (512 - 177) + code, ring).serial == 9
    with pytest.raises(stamps.InvalidStamp, match="too long"):
        stamps.verify(" " * (513 - 177) + code, ring)
