"""The GS1 Digital Link stamp form: golden vectors, parsing rules and negative cases."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

import stamps
from stamps import _crypto
from stamps.format import GS1_SIGNING_CONTEXT, SIGNING_CONTEXT, gs1_message, qr_segments
from stamps.render import qr_version
from tests.stamps.stamps_support import PUBLIC_URL

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "stamps_gs1dl_v1.json").read_text("utf-8")
)["vectors"]
GTIN = "08938534000017"


@pytest.mark.parametrize(
    "vector", VECTORS, ids=lambda v: f"{v['key_id']}-{v['gtin']}-{v['serial']}"
)
def test_golden_vectors(vector: dict[str, object]) -> None:
    seed = bytes.fromhex(str(vector["seed"]))
    ring = stamps.KeyRing.from_private_bytes([seed])
    stamp = stamps.issue(int(str(vector["serial"])), ring, gtin=str(vector["gtin"]))
    assert stamp.code == vector["ai_8030"]
    assert len(stamp.code) == 90
    assert stamp.url("https://trace.hagiang.gov.vn") == vector["url"]
    message = bytes.fromhex(str(vector["message"]))
    assert message.startswith(GS1_SIGNING_CONTEXT)
    public = stamps.KeyRing.from_jwks(ring.to_jwks())
    assert _crypto.verify(
        ring.public_key(stamp.key_id), bytes.fromhex(str(vector["signature"])), message
    )
    assert stamps.verify(str(vector["url"]), public).serial == vector["serial"]
    raw = base64.urlsafe_b64decode(stamp.code + "==")
    assert raw[:3] == bytes.fromhex(stamp.key_id)[:3]
    assert raw[3:] == bytes.fromhex(str(vector["signature"]))


def test_domain_separated_from_format_1(ring: stamps.KeyRing) -> None:
    compact = stamps.issue(5, ring)
    gs1 = stamps.issue(5, ring, gtin=GTIN)
    assert not GS1_SIGNING_CONTEXT.startswith(SIGNING_CONTEXT)
    assert gs1_message(bytes.fromhex(gs1.key_id), GTIN, 5) != SIGNING_CONTEXT
    assert gs1.code not in compact.code
    # Format 1's signature cannot stand in for the GS1 form's, nor the other way round.
    sig1 = int(compact.code).to_bytes(74, "big")[10:]
    forged = base64.urlsafe_b64encode(bytes.fromhex(gs1.key_id)[:3] + sig1).decode().rstrip("=")
    with pytest.raises(stamps.InvalidStamp) as caught:
        stamps.verify(f"https://a.vn/01/{GTIN}/21/5?8030={forged}", ring)
    assert caught.value.reason is stamps.Reason.BAD_SIGNATURE


def test_the_gtin_and_serial_are_signed(ring: stamps.KeyRing) -> None:
    stamp = stamps.issue(77, ring, gtin=GTIN)
    other_gtin = "00012345600012"
    for url in (
        f"https://a.vn/01/{other_gtin}/21/77?8030={stamp.code}",
        f"https://a.vn/01/{GTIN}/21/78?8030={stamp.code}",
    ):
        with pytest.raises(stamps.InvalidStamp) as caught:
            stamps.verify(url, ring)
        assert caught.value.reason is stamps.Reason.BAD_SIGNATURE


def test_what_is_malformed_and_what_is_unknown(ring: stamps.KeyRing) -> None:
    stamp = stamps.issue(9, ring, gtin=GTIN)
    good = stamp.url(PUBLIC_URL)
    assert stamps.verify(good.lower().replace(stamp.code.lower(), stamp.code), ring).serial == 9
    for bad in (
        good.replace(f"/01/{GTIN}", "/01/08938534000018"),  # check digit
        good.replace("/21/9?", "/21/09?"),  # a serial with a leading zero is not canonical
        good + "&x=1",
        good + "#frag",
        good[:-1],
        good.replace("/21/9?", "/21/1099511627776?"),  # beyond 2^40 - 1
        good[:-1] + ("B" if good[-1] == "A" else "A"),  # non-canonical trailing bits
    ):
        with pytest.raises(stamps.InvalidStamp) as caught:
            stamps.verify(bad, ring)
        assert caught.value.reason in (stamps.Reason.MALFORMED, stamps.Reason.BAD_SIGNATURE), bad
    stranger = stamps.issue(9, stamps.KeyRing.generate(), gtin=GTIN).url(PUBLIC_URL)
    with pytest.raises(stamps.InvalidStamp) as caught:
        stamps.verify(stranger, ring)
    assert caught.value.reason in (stamps.Reason.UNKNOWN_KEY, stamps.Reason.BAD_SIGNATURE)


def test_a_revoked_keys_gs1_stamp_is_revoked(ring: stamps.KeyRing) -> None:
    url = stamps.issue(3, ring, gtin=GTIN).url(PUBLIC_URL)
    public = stamps.KeyRing.from_jwks(ring.to_jwks())
    public.revoke(public.kids[-1])
    with pytest.raises(stamps.InvalidStamp) as caught:
        stamps.verify(url, public)
    assert caught.value.reason is stamps.Reason.REVOKED_KEY


def test_key_ids_stay_unique_in_their_first_three_bytes() -> None:
    ring = stamps.KeyRing.generate()
    for _ in range(20):
        ring.rotate()
    assert len({kid[:6] for kid in ring.kids}) == len(ring)


def test_qr_segments_and_versions(ring: stamps.KeyRing) -> None:
    url = stamps.issue(stamps.format.MAX_SERIAL, ring, gtin=GTIN).url(PUBLIC_URL)
    modes = [mode for mode, _ in qr_segments(url)]
    assert modes == ["byte", "alnum", "numeric", "alnum", "numeric", "byte"]
    # docs/stamp-format.md §11: version 8 at level M for hosts up to 29 characters.
    host = "h" * 22 + ".gov.vn"
    assert qr_version(stamps.issue(2**40 - 1, ring, gtin=GTIN).url("https://" + host), "M") == 8


def test_rendered_gs1_stamps_scan_back(ring: stamps.KeyRing) -> None:
    from stamps.render import qr_image, read_qr_texts

    url = stamps.issue(123_456, ring, gtin=GTIN).url(PUBLIC_URL)
    assert read_qr_texts(qr_image(url, 4)) == [url]
