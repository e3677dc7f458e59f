"""The signing keys page: status and time in use; every change of the keys asks for the
second factor again; a pending key signs once every running worker holds it; a revoked
key signs nothing and its stamps fail. The same service as ``admin keys``."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg
import pyotp
import pytest
from litestar.testing import AsyncTestClient

from stamps import issue
from stamps.keys import KeyStatus, NoSigningKey
from tests import world
from tests.portal.conftest import csrf_of, sign_in
from tests.world import Registry, order
from traceability.accounts.demo import DEMO_TOTP_SECRET
from traceability.settings import Settings
from traceability.signing import read_key_ring


async def _code(db: asyncpg.Connection) -> str:
    """A code the official's app shows now, as if half a minute had passed since the last
    one used (each code is good once)."""
    await db.execute("UPDATE users SET totp_last_step = NULL WHERE role = 'authority'")
    return pyotp.TOTP(DEMO_TOTP_SECRET).now()


async def _held(db: asyncpg.Connection, official: AsyncTestClient[Any]) -> str:
    """The keys page once every running worker holds the keys as saved (within seconds)."""
    for _ in range(100):
        page = await official.get("/portal/keys")
        if "Mọi tiến trình đang chạy đã nhận các khóa này" in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError("the worker did not load the keys")


async def test_a_rotation_needs_a_fresh_code_then_the_new_key_signs(
    official: AsyncTestClient[Any],
    settings: Settings,
    db: asyncpg.Connection,
    registry: Registry,
) -> None:
    first = await order(official, registry.coop, registry.product_id, 7)
    page = await official.get("/portal/keys")
    assert page.status_code == 200, page.text
    (kid,) = read_key_ring(settings).kids
    assert kid == first["key_id"]
    assert "Ký tem mới" in page.text  # the key that signs new stamps, in words
    assert "Khóa ký" in page.text

    token = csrf_of(page.text)
    wrong = await official.post("/portal/keys/rotate", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 422
    assert 'aria-invalid="true"' in wrong.text
    assert "Mã không đúng" in wrong.text
    assert read_key_ring(settings).kids == [kid]  # nothing changed
    # The code used to sign in is spent: the next one is needed.
    code = pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() + 30)
    rotated = await official.post(
        "/portal/keys/rotate", data={"code": code, "csrf_token": token}, follow_redirects=False
    )
    assert rotated.status_code == 303, rotated.text
    ring = read_key_ring(settings)
    new = ring.kids[-1]
    assert new != kid
    assert ring.status(new) is KeyStatus.PENDING
    assert ring.current_kid == kid  # a pending key signs nothing yet
    # The same code again (a double click) is refused: each code is good once.
    again = await official.post("/portal/keys/rotate", data={"code": code, "csrf_token": token})
    assert again.status_code == 422
    assert len(read_key_ring(settings).kids) == 2
    audit = await db.fetch(
        "SELECT action, entity_id, actor_user_id FROM audit_log WHERE entity = 'signing_key'"
    )
    assert [(r["action"], r["entity_id"]) for r in audit] == [("add_pending", new)]
    assert audit[0]["actor_user_id"] is not None  # the official, by name

    shown = await _held(db, official)
    assert new in shown
    assert "Đã công bố, chưa ký tem" in shown
    activated = await official.post(
        f"/portal/keys/{new}/activate",
        data={"csrf_token": csrf_of(shown)},
        follow_redirects=False,
    )
    assert activated.status_code == 303, activated.text
    assert read_key_ring(settings).current_kid == new
    twice = await official.post(f"/portal/keys/{new}/activate", data={"csrf_token": csrf_of(shown)})
    assert twice.status_code == 409
    assert "không phải khóa đang chờ" in twice.text

    await _held(db, official)
    assert (await order(official, registry.coop, registry.product_id, 3))["key_id"] == new
    listed = (await official.get("/portal/keys")).text
    assert listed.index(new) < listed.index(kid)  # newest first
    assert "Đã ngừng" in listed  # the old key, retired by the activation


async def test_a_key_waits_for_a_worker_that_does_not_hold_it(
    official: AsyncTestClient[Any], settings: Settings, db: asyncpg.Connection
) -> None:
    page = await official.get("/portal/keys")
    rotated = await official.post(
        "/portal/keys/rotate",
        data={"code": await _code(db), "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert rotated.status_code == 303
    pending = read_key_ring(settings).kids[-1]
    # A worker on another machine whose keys folder did not receive the new key.
    elsewhere = await asyncpg.connect(
        settings.database_url,
        server_settings={"application_name": "traceability keys=000000000000 pid=77@lonely"},
    )
    try:
        shown = await official.get("/portal/keys")
        assert "pid=77@lonely" in shown.text
        refused = await official.post(
            f"/portal/keys/{pending}/activate", data={"csrf_token": csrf_of(shown.text)}
        )
        assert refused.status_code == 409
        assert "chưa có khóa" in refused.text
        assert "pid=77@lonely" in refused.text
        assert read_key_ring(settings).status(pending) is KeyStatus.PENDING
    finally:
        await elsewhere.close()


async def test_a_revoked_key_signs_nothing_and_its_stamps_fail(
    official: AsyncTestClient[Any],
    settings: Settings,
    db: asyncpg.Connection,
    registry: Registry,
) -> None:
    batch = await order(official, registry.coop, registry.product_id, 3)
    kid = batch["key_id"]
    code = issue(batch["first_serial"], read_key_ring(settings)).code
    page = await official.get("/portal/keys")
    # The key that signs cannot be retired (orders would wait): rotate instead.
    token = csrf_of(page.text)

    async def change(what: str, code: str) -> Any:
        fields = {"kid": kid, "change": what, "change_code": code, "csrf_token": token}
        return await official.post("/portal/keys/change", data=fields, follow_redirects=False)

    retire = await change("retire", await _code(db))
    assert retire.status_code == 409
    assert "hãy thay khóa" in retire.text
    wrong = await change("revoke", "123")
    assert wrong.status_code == 422
    assert read_key_ring(settings).status(kid) is KeyStatus.ACTIVE
    revoked = await change("revoke", await _code(db))
    assert revoked.status_code == 303, revoked.text
    told = await official.get(revoked.headers["location"])
    assert "Đã thu hồi khóa: mọi tem khóa đã ký nay bị coi là giả." in told.text
    ring = read_key_ring(settings)
    assert ring.status(kid) is KeyStatus.REVOKED
    with pytest.raises(NoSigningKey):
        ring.current_kid  # noqa: B018 - nothing signs until a new key is activated
    with pytest.raises(NoSigningKey, match="revoked"):
        ring.signing_key(kid)
    # Recorded in the database too, for workers whose keys folder is a copy.
    assert await db.fetchval("SELECT count(*) FROM signing_key_revocations WHERE kid = $1", kid)
    await _held(db, official)
    refused = await official.post(
        "/api/v1/stamp-batches",
        json={"product_id": registry.product_id, "quantity": 1},
        headers=registry.coop,
    )
    assert refused.status_code == 503  # orders wait for a key rather than sign with it
    printing = await official.get(
        f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", headers=registry.coop
    )
    assert printing.status_code >= 400, printing.text  # its stamps are never printed again
    assert kid in printing.json()["detail"]
    verdict = await official.post(
        "/api/v1/verify", headers=registry.retailer, json={"codes": [code]}
    )
    assert verdict.json()["items"][0]["reason"] == "revoked_key"
    listed = (await official.get("/portal/keys")).text
    assert "Đã thu hồi" in listed
    assert f'<option value="{kid}"' not in listed  # nothing more to change on it


async def test_only_the_authority_sees_the_keys(
    web: AsyncTestClient[Any], make_user: Any, db: asyncpg.Connection
) -> None:
    staff = await make_user("cooperative", cooperative_id=await world.cooperative(db))
    await sign_in(web, staff)
    assert (await web.get("/portal/keys")).status_code == 403
    page = await web.get("/portal/")
    refused = await web.post(
        "/portal/keys/rotate", data={"code": "123456", "csrf_token": csrf_of(page.text)}
    )
    assert refused.status_code == 403
