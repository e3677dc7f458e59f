"""Re-printing an old batch after a key rotation gives the very same stamps."""

from __future__ import annotations

import pytest

from stamps import KeyRing, NoSigningKey, issue, issue_many, verify


def test_reissue_with_a_retired_key_reproduces_the_old_codes() -> None:
    ring = KeyRing.from_private_bytes([bytes(range(32))])
    old_kid = ring.current_kid
    printed = [issue(serial, ring) for serial in (7, 8, 9)]

    new_kid = ring.rotate()
    assert new_kid != old_kid
    assert issue(7, ring).key_id == new_kid  # new stamps use the new key

    again = list(issue_many(range(7, 10), ring, key_id=old_kid))
    assert [s.code for s in again] == [s.code for s in printed]
    assert issue(8, ring, key_id=old_kid).code == printed[1].code
    assert all(verify(s.code, ring).key_id == old_kid for s in again)


def test_a_revoked_or_unknown_key_cannot_reissue() -> None:
    ring = KeyRing.from_private_bytes([bytes(range(32))])
    old_kid = ring.current_kid
    issue(1, ring, key_id=old_kid)  # warms the signer cache
    ring.rotate()
    ring.revoke(old_kid)
    with pytest.raises(NoSigningKey):
        issue(1, ring, key_id=old_kid)
    with pytest.raises(KeyError):
        issue(1, ring, key_id="00000000")


def test_a_public_only_ring_cannot_sign() -> None:
    ring = KeyRing.from_private_bytes([bytes(range(32))]).public_only()
    kid = ring.kids[0]
    with pytest.raises(NoSigningKey):
        issue(1, ring, key_id=kid)
