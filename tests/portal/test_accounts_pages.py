"""API keys and people in the portal: the same rules as the API, beside each form's field."""

from __future__ import annotations

from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests import world
from tests.portal.conftest import csrf_of, form_token, sign_in


async def test_a_cooperative_creates_and_revokes_its_own_api_key(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    coop = await world.cooperative(db)
    account = await make_user("cooperative", cooperative_id=coop)
    await sign_in(web, account)
    token = await form_token(web, "/portal/api-keys")
    empty = await web.post("/portal/api-keys", data={"name": "   ", "csrf_token": token})
    assert empty.status_code == 422
    assert "Vui lòng điền ô này." in empty.text
    made = await web.post(
        "/portal/api-keys", data={"name": "Máy quét kho <b>", "csrf_token": token}
    )
    assert made.status_code == 201
    secret = made.text.split("<code>tsk_")[1].split("</code>")[0]
    assert "Máy quét kho &lt;b&gt;" in made.text  # escaped, by construction
    key = await db.fetchrow("SELECT * FROM api_keys")
    assert (key["role"], key["cooperative_id"]) == ("cooperative", coop)
    # The key works on the API, as its cooperative.
    me = await web.get("/api/v1/api-keys/me", headers={"Authorization": f"Bearer tsk_{secret}"})
    assert me.json()["cooperative_id"] == coop
    # Shown once: the list never shows it again.
    assert secret not in (await web.get("/portal/api-keys")).text
    revoked = await web.post(
        f"/portal/api-keys/{key['id']}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert await db.fetchval("SELECT revoked_at IS NOT NULL FROM api_keys")
    audit = await db.fetch("SELECT action, actor_user_id FROM audit_log WHERE entity = 'api_key'")
    assert [(r["action"], r["actor_user_id"]) for r in audit] == [
        ("create", account.id),
        ("revoke", account.id),
    ]


async def test_revoking_with_htmx_answers_the_row_only(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, make_key: Any
) -> None:
    coop = await world.cooperative(db)
    await make_key("cooperative", cooperative_id=coop, name="Kế toán")
    await sign_in(web, await make_user("cooperative", cooperative_id=coop))
    token = await form_token(web, "/portal/api-keys")
    key_id = await db.fetchval("SELECT id FROM api_keys")
    row = await web.post(
        f"/portal/api-keys/{key_id}/revoke",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200
    assert row.text.lstrip().startswith(f'<tr id="key-{key_id}">')
    assert "Đã thu hồi ngày" in row.text


async def test_another_cooperatives_key_and_people_are_not_found(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, make_key: Any
) -> None:
    mine = await world.cooperative(db, "HTX Chè Shan tuyết")
    theirs = await world.cooperative(db, "HTX Mật ong Mèo Vạc")
    await make_key("cooperative", cooperative_id=theirs)
    stranger = await make_user("cooperative", cooperative_id=theirs, name="Giàng Thị Mai")
    await sign_in(web, await make_user("cooperative", cooperative_id=mine))
    token = await form_token(web, "/portal/api-keys")
    key_id = await db.fetchval("SELECT id FROM api_keys")
    before = await db.fetchval("SELECT count(*) FROM audit_log")
    for path in (
        f"/portal/api-keys/{key_id}/revoke",
        f"/portal/users/{stranger.id}/disable",
        f"/portal/users/{stranger.id}/reset-password",
    ):
        answer = await web.post(path, data={"csrf_token": token})
        assert answer.status_code in (403, 404), path
        assert "text/html" in answer.headers["content-type"]
    assert await db.fetchval("SELECT revoked_at FROM api_keys") is None
    assert await db.fetchval("SELECT disabled_at FROM users WHERE id = $1", stranger.id) is None
    assert await db.fetchval("SELECT count(*) FROM audit_log") == before
    listing = await web.get("/portal/users")
    assert "Giàng Thị Mai" not in listing.text


async def test_a_cooperative_invites_a_colleague_who_must_choose_a_password(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    coop = await world.cooperative(db)
    await sign_in(web, await make_user("cooperative", cooperative_id=coop))
    page = await web.get("/portal/users")
    token = csrf_of(page.text)
    assert 'name="role"' not in page.text  # a cooperative invites colleagues, nothing else
    bad = await web.post(
        "/portal/users",
        data={"display_name": "Lò Văn Minh", "login": "không phải số", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert "Nhập số di động (ví dụ 0912 345 678) hoặc địa chỉ e-mail." in bad.text
    assert 'value="Lò Văn Minh"' in bad.text
    made = await web.post(
        "/portal/users",
        data={
            "display_name": "Lò Văn Minh",
            "login": "+84 988 111 222",
            "role": "authority",  # not the inviter's to choose: ignored
            "csrf_token": token,
        },
    )
    assert made.status_code == 201
    one_time = made.text.split('<div class="secret"')[1].split("<code>")[1].split("</code>")[0]
    row = await db.fetchrow("SELECT * FROM users WHERE login = '0988111222'")
    assert (row["role"], row["cooperative_id"], row["password_is_temporary"]) == (
        "cooperative",
        coop,
        True,
    )
    twice = await web.post(
        "/portal/users",
        data={"display_name": "Lò Văn Minh", "login": "0988111222", "csrf_token": token},
    )
    assert twice.status_code == 422
    assert "Tên đăng nhập này đã có người dùng." in twice.text
    # The colleague signs in with the one-time password and must change it.
    web.cookies.clear()
    token = await form_token(web, "/portal/login")
    first = await web.post(
        "/portal/login",
        data={"login": "0988 111 222", "password": one_time, "csrf_token": token},
        follow_redirects=False,
    )
    assert first.headers["location"] == "/portal/password"


async def test_the_authority_resets_a_password_and_the_old_sessions_end(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any, settings: Any
) -> None:
    coop = await world.cooperative(db)
    staff = await make_user("cooperative", cooperative_id=coop, name="Hoàng Văn Sơn")
    await sign_in(web, staff)
    assert await db.fetchval("SELECT count(*) FROM user_sessions WHERE revoked_at IS NULL") == 1
    web.cookies.clear()
    boss = await make_user("authority")
    await db.execute("UPDATE users SET totp_secret = NULL WHERE id = $1", boss.id)
    # An authority without a second factor must set one up first: skip it for this test.
    await db.execute("UPDATE users SET role = 'authority' WHERE id = $1", boss.id)
    answer = await sign_in(web, boss)
    session = await db.fetchval("SELECT id FROM user_sessions WHERE user_id = $1", boss.id)
    await db.execute("UPDATE user_sessions SET stage = 'signed_in' WHERE id = $1", session)
    assert answer.status_code == 303
    token = await form_token(web, "/portal/users")
    reset = await web.post(f"/portal/users/{staff.id}/reset-password", data={"csrf_token": token})
    assert reset.status_code == 200
    assert "Mật khẩu dùng một lần mới của Hoàng Văn Sơn" in reset.text
    assert (
        await db.fetchval(
            "SELECT count(*) FROM user_sessions WHERE user_id = $1 AND revoked_at IS NULL", staff.id
        )
        == 0
    )
    assert await db.fetchval("SELECT password_is_temporary FROM users WHERE id = $1", staff.id)


async def test_a_reset_clears_a_lost_second_factor(db: asyncpg.Connection, make_user: Any) -> None:
    """An authority who lost their phone gets a new password and enrols a new app."""
    from traceability.accounts.repository import SYSTEM
    from traceability.accounts.service import reset_password
    from traceability.accounts.totp import recovery_hash

    lost = await make_user("authority", name="Lê Thị Thu")
    await db.execute(
        "UPDATE users SET totp_secret = 'DEMOHAGIANGTEMTHONGMINH234567ABC' WHERE id = $1",
        lost.id,
    )
    await db.execute(
        "INSERT INTO user_recovery_codes (user_id, code_hash) VALUES ($1, $2)",
        lost.id,
        recovery_hash("abcde-fghjk"),
    )
    new = await reset_password(db, SYSTEM, lost.id)
    assert new.user.password_is_temporary
    assert not new.user.has_second_factor
    assert await db.fetchval("SELECT count(*) FROM user_recovery_codes") == 0


async def test_english_is_chosen_before_and_after_sign_in(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    assert "Đăng nhập" in (await web.get("/portal/login")).text
    switched = await web.get("/lang/en?next=/portal/login")
    assert switched.status_code == 200
    assert ">Sign in</h1>" in switched.text
    # Only paths of this site are followed.
    away = await web.get("/lang/en?next=//evil.example/x", follow_redirects=False)
    assert away.headers["location"] == "/"
    account = await make_user("retailer")
    await sign_in(web, account)
    # Signed in, the account's own language (Vietnamese) wins; the switch changes it.
    assert "Tổng quan" in (await web.get("/portal/")).text
    token = await form_token(web, "/portal/")
    await web.post(
        "/portal/account/language", data={"language": "en", "next": "/portal/", "csrf_token": token}
    )
    assert await db.fetchval("SELECT language FROM users WHERE id = $1", account.id) == "en"
    assert "Overview" in (await web.get("/portal/")).text
