"""Key ring lifecycle, JWKS interchange, encrypted persistence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import stamps
from stamps import InvalidStamp, KeyRing, KeyStatus, Reason, _crypto
from tests.stamps.stamps_support import SEED_A, SEED_B


def test_rotate_retire_revoke() -> None:
    ring = KeyRing.generate()
    first = ring.current_kid
    old = stamps.issue(1, ring)
    second = ring.rotate()
    assert second != first
    assert ring.current_kid == second
    assert ring.status(first) is KeyStatus.RETIRED
    new = stamps.issue(2, ring)
    assert new.key_id == second
    assert old.key_id == first
    assert stamps.verify(old.code, ring).serial == 1  # retired keys still verify
    ring.retire(second)
    with pytest.raises(stamps.NoSigningKey):
        stamps.issue(3, ring)
    assert stamps.verify(new.code, ring).serial == 2
    ring.revoke(first)
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(old.code, ring)
    assert info.value.reason is Reason.REVOKED_KEY
    ring.retire(first)  # retiring never resurrects a revoked key
    assert ring.status(first) is KeyStatus.REVOKED
    with pytest.raises(KeyError):
        ring.revoke("00000000")


def test_rotation_regenerates_on_key_id_collision(monkeypatch: pytest.MonkeyPatch) -> None:
    ring = KeyRing.from_private_bytes([SEED_A])
    seeds = iter([SEED_A, SEED_A, SEED_B])  # first two collide with the existing key
    monkeypatch.setattr(_crypto, "new_seed", lambda: next(seeds))
    kid = ring.rotate()
    assert kid == KeyRing.from_private_bytes([SEED_B]).current_kid
    assert len(ring) == 2


def test_duplicate_or_mismatched_key_ids_rejected() -> None:
    with pytest.raises(ValueError):
        KeyRing.from_private_bytes([SEED_A, SEED_A])
    jwks = KeyRing.from_private_bytes([SEED_A]).to_jwks()
    jwks["keys"][0]["kid"] = "deadbeef"
    with pytest.raises(ValueError):
        KeyRing.from_jwks(jwks)


def test_jwks_round_trip_and_public_only_verification() -> None:
    ring = KeyRing.from_private_bytes([SEED_A, SEED_B])
    old_kid = ring.kids[0]
    ring.revoke(old_kid)
    jwks = ring.to_jwks()
    assert [k["kty"] for k in jwks["keys"]] == ["OKP", "OKP"]
    assert all(k["crv"] == "Ed25519" and "=" not in k["x"] and "d" not in k for k in jwks["keys"])
    assert [k["status"] for k in jwks["keys"]] == ["revoked", "active"]
    public = KeyRing.from_jwks(json.dumps(jwks))
    assert KeyRing.from_jwks(json.dumps(jwks).encode()).to_jwks() == jwks
    assert public.to_jwks() == jwks
    assert not public.has_private_keys
    with pytest.raises(stamps.NoSigningKey):
        _ = public.current_kid
    stamp = stamps.issue(77, ring)
    assert stamps.verify(stamp.url("https://a.vn"), public) == stamp
    revoked_stamp = stamps.issue(5, KeyRing.from_private_bytes([SEED_A]))
    with pytest.raises(InvalidStamp) as info:
        stamps.verify(revoked_stamp.code, public)
    assert info.value.reason is Reason.REVOKED_KEY


def test_jwks_ignores_foreign_keys_and_rejects_bad_x() -> None:
    doc = {"keys": [{"kty": "RSA", "n": "x", "e": "AQAB"}]}
    assert len(KeyRing.from_jwks(doc)) == 0
    with pytest.raises(ValueError):
        KeyRing.from_jwks({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]})
    with pytest.raises(ValueError):
        KeyRing.from_jwks({"nokeys": []})


def test_save_load_round_trip(tmp_path: Path) -> None:
    ring = KeyRing.generate()
    ring.rotate()
    ring.revoke(ring.kids[0])
    ring.save(tmp_path, b"correct horse")
    pem_files = sorted(p.name for p in tmp_path.glob("*.pem"))
    assert pem_files == sorted(f"{kid}.pem" for kid in ring.kids)
    for pem in tmp_path.glob("*.pem"):
        assert b"ENCRYPTED PRIVATE KEY" in pem.read_bytes()
        assert os.stat(pem).st_mode & 0o077 == 0
    loaded = KeyRing.load(tmp_path, b"correct horse")
    assert loaded.to_jwks() == ring.to_jwks()
    assert loaded.current_kid == ring.current_kid
    assert stamps.issue(9, loaded) == stamps.issue(9, ring)


def test_load_with_wrong_passphrase(tmp_path: Path) -> None:
    KeyRing.generate().save(tmp_path, b"right")
    with pytest.raises(stamps.KeyFileError):
        KeyRing.load(tmp_path, b"wrong")


def test_public_only_ring_saves_without_pem(tmp_path: Path) -> None:
    public = KeyRing.from_private_bytes([SEED_A]).public_only()
    public.save(tmp_path, b"x")
    assert not list(tmp_path.glob("*.pem"))
    assert KeyRing.load(tmp_path, b"x").to_jwks() == public.to_jwks()


def test_a_pending_key_verifies_and_is_published_before_it_signs(tmp_path: Path) -> None:
    ring = KeyRing.generate()
    signing = ring.current_kid
    pending = ring.add_pending()
    assert ring.status(pending) is KeyStatus.PENDING
    assert ring.current_kid == signing  # nothing is signed with it yet
    assert stamps.issue(1, ring).key_id == signing
    # Whoever holds the ring verifies its stamps already (a stamp made with the key
    # directly, as an instance that activated it first would).
    early = stamps.issue(2, ring, pending)
    assert stamps.verify(early.code, ring).key_id == pending
    # Offline verifiers get it in the JWKS as a valid key, in words every version reads.
    published = {k["kid"]: k["status"] for k in ring.to_jwks()["keys"]}
    assert published == {signing: "active", pending: "active"}
    assert stamps.verify(early.code, KeyRing.from_jwks(ring.to_jwks())).serial == 2
    # It survives saving, still pending.
    ring.save(tmp_path, b"pw")
    assert KeyRing.load(tmp_path, b"pw").status(pending) is KeyStatus.PENDING

    ring.activate(pending)
    assert ring.current_kid == pending
    assert ring.status(signing) is KeyStatus.RETIRED
    with pytest.raises(ValueError, match="not pending"):
        ring.activate(signing)
