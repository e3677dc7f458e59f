"""Regenerate tests/vectors/stamps_v1.json and stamps_gs1dl_v1.json (only on purpose).

uv run python tests/stamps/make_vectors.py
"""

from __future__ import annotations

import json
from pathlib import Path

import stamps
from stamps import _crypto
from stamps.format import MAX_SERIAL, SIGNING_CONTEXT, gs1_message

VECTORS = Path(__file__).resolve().parents[1] / "vectors" / "stamps_v1.json"
GS1_VECTORS = VECTORS.with_name("stamps_gs1dl_v1.json")
GTINS = ["08938534000017", "00012345600012"]
SEEDS = [
    # RFC 8032 section 7.1 TEST 1 secret key, then a second arbitrary seed.
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
]
SERIALS = [0, 1, 42, 123_456_789, 2**32, MAX_SERIAL]
PUBLIC_URL = "https://trace.hagiang.gov.vn"
PIN_SECRET = "hagiang-test-pin-secret"


def build() -> dict[str, object]:
    vectors = []
    for seed_hex in SEEDS:
        seed = bytes.fromhex(seed_hex)
        ring = stamps.KeyRing.from_private_bytes([seed])
        public = _crypto.public_key_of(seed)
        for serial in SERIALS:
            stamp = stamps.issue(serial, ring)
            payload = int(stamp.code).to_bytes(74, "big")
            vectors.append(
                {
                    "seed": seed_hex,
                    "public_key": public.hex(),
                    "key_id": stamp.key_id,
                    "serial": serial,
                    "header": payload[:10].hex(),
                    "message": (SIGNING_CONTEXT + payload[:10]).hex(),
                    "signature": payload[10:].hex(),
                    "code": stamp.code,
                    "url": stamp.url(PUBLIC_URL),
                    "pin": stamps.scratch_pin(PIN_SECRET.encode(), serial),
                }
            )
    return {
        "format": "hagiang-smart-stamp v1",
        "public_url": PUBLIC_URL,
        "pin_secret_utf8": PIN_SECRET,
        "vectors": vectors,
    }


def build_gs1() -> dict[str, object]:
    vectors = []
    for seed_hex in SEEDS:
        seed = bytes.fromhex(seed_hex)
        ring = stamps.KeyRing.from_private_bytes([seed])
        for gtin in GTINS:
            for serial in SERIALS:
                stamp = stamps.issue(serial, ring, gtin=gtin)
                kid = bytes.fromhex(stamp.key_id)
                message = gs1_message(kid, gtin, serial)
                vectors.append(
                    {
                        "seed": seed_hex,
                        "key_id": stamp.key_id,
                        "gtin": gtin,
                        "serial": serial,
                        "message": message.hex(),
                        "signature": _crypto.sign(seed, message).hex(),
                        "ai_8030": stamp.code,
                        "url": stamp.url(PUBLIC_URL),
                    }
                )
    return {
        "format": "hagiang-smart-stamp gs1-digital-link v1",
        "public_url": PUBLIC_URL,
        "vectors": vectors,
    }


if __name__ == "__main__":
    VECTORS.write_text(json.dumps(build(), indent=2) + "\n", encoding="utf-8")
    GS1_VECTORS.write_text(json.dumps(build_gs1(), indent=2) + "\n", encoding="utf-8")
    print(f"wrote {VECTORS} and {GS1_VECTORS}")
