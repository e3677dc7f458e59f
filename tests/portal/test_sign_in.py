"""Signing in, sessions and CSRF, through real HTTP and the real database."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import pyotp
from litestar.testing import AsyncTestClient

from tests import world
from tests.portal.conftest import PASSWORD, csrf_of, form_token, sign_in
from traceability.accounts.demo import DEMO_TOTP_SECRET

SESSION = "portal_session"


async def test_sign_in_lands_on_the_portal_home(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    coop = await world.cooperative(db)
    account = await make_user("cooperative", cooperative_id=coop)
    answer = await sign_in(web, account)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/portal/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" in cookie
    home = await web.get("/portal/")
    assert home.status_code == 200
    assert "Nguyễn Thị Hoa" in home.text
    assert "HTX Anh Tài" in home.text
    assert home.headers["cache-control"] == "no-store"
    entry = await db.fetchrow("SELECT * FROM audit_log WHERE action = 'sign_in'")
    assert entry["actor_user_id"] == account.id
    assert entry["actor_key_id"] is None


async def test_the_login_may_be_typed_the_way_people_write_numbers(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    coop = await world.cooperative(db)
    account = await make_user("cooperative", cooperative_id=coop, login="0912345678")
    for typed in ("+84 912 345 678", "0912.345.678", " 0912-345-678 "):
        web.cookies.clear()
        answer = await sign_in(web, account.__class__(**{**account.__dict__, "login": typed}))
        assert answer.status_code == 303, (typed, answer.text)


async def test_a_wrong_password_is_told_in_vietnamese_beside_the_form(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    token = await form_token(web, "/portal/login")
    answer = await web.post(
        "/portal/login",
        data={"login": account.login, "password": "wrong password", "csrf_token": token},
    )
    assert answer.status_code == 422
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in answer.text
    assert f'value="{account.login}"' in answer.text  # what was typed stays
    assert "wrong password" not in answer.text  # a password is never sent back


async def test_the_session_id_changes_at_sign_in(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    """A session id planted before sign-in (session fixation) is never the one signed in."""
    account = await make_user("retailer")
    web.cookies.set(SESSION, "planted-by-someone-else", domain="testserver.local")
    first = await sign_in(web, account)
    signed_in = first.cookies.get(SESSION)
    assert signed_in
    assert signed_in != "planted-by-someone-else"
    second = await sign_in(web, account)
    assert second.status_code == 303
    assert second.cookies.get(SESSION) not in (None, signed_in)
    # The session this browser had before is over, not left behind.
    assert await db.fetchval("SELECT count(*) FROM user_sessions WHERE revoked_at IS NULL") == 1


async def test_sign_out_ends_the_session_on_the_server(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    await sign_in(web, account)
    stolen = web.cookies.get(SESSION)
    assert stolen is not None
    token = await form_token(web, "/portal/")
    out = await web.post("/portal/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert await db.fetchval("SELECT revoked_at IS NOT NULL FROM user_sessions") is True
    # Whoever kept a copy of the cookie gets nothing with it.
    web.cookies.clear()
    web.cookies.set(SESSION, stolen, domain="testserver.local")
    again = await web.get("/portal/", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/portal/login")


async def test_sign_out_everywhere_ends_every_session(
    web: AsyncTestClient[Any], settings: Any, db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    await sign_in(web, account)
    other = web.cookies.get(SESSION)
    assert other is not None
    web.cookies.clear()
    await sign_in(web, account)
    token = await form_token(web, "/portal/account")
    await web.post("/portal/logout-everywhere", data={"csrf_token": token})
    web.cookies.clear()
    web.cookies.set(SESSION, other, domain="testserver.local")
    assert (await web.get("/portal/", follow_redirects=False)).status_code == 303
    assert await db.fetchval("SELECT count(*) FROM user_sessions WHERE revoked_at IS NULL") == 0


async def test_a_disabled_user_is_out_at_the_next_request(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    await sign_in(web, account)
    assert (await web.get("/portal/")).status_code == 200
    await db.execute("UPDATE users SET disabled_at = now() WHERE id = $1", account.id)
    answer = await web.get("/portal/", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/portal/login")


async def test_an_idle_session_ends(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    await sign_in(web, account)
    await db.execute("UPDATE user_sessions SET last_seen_at = now() - interval '3 hours'")
    assert (await web.get("/portal/", follow_redirects=False)).status_code == 303


async def test_a_form_without_its_token_is_refused(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    await sign_in(web, account)
    page = await web.get("/portal/account")
    token = csrf_of(page.text)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token + "x"}):
        answer = await web.post("/portal/logout", data=data)
        assert answer.status_code == 403, data
        assert "text/html" in answer.headers["content-type"]
        assert "Bạn không có quyền làm việc này" in answer.text
    # Still signed in: nothing was done.
    assert await db.fetchval("SELECT count(*) FROM user_sessions WHERE revoked_at IS NULL") == 1


async def test_every_page_form_needs_its_token(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    """Enumerates the app's routes: any POST outside the API refuses a missing token."""
    account = await make_user("authority")
    await db.execute("UPDATE users SET totp_secret = NULL WHERE id = $1", account.id)
    await sign_in(web, account)
    posts = [
        re.sub(r"\{\w+:int\}", "1", route.path)  # every id in a path, whatever its name
        for route in web.app.routes
        if "POST" in getattr(route, "methods", set())
        and not route.path.startswith(("/api/", "/s/", "/S/"))
    ]
    assert "/portal/login" in posts
    assert "/portal/api-keys" in posts
    assert "/check" in posts
    for path in posts:
        answer = await web.post(path, data={"login": "x", "password": "y"})
        assert answer.status_code == 403, path
    assert await db.fetchval("SELECT count(*) FROM api_keys") == 0


async def test_a_cross_site_origin_is_refused_even_with_a_token(
    web: AsyncTestClient[Any], make_user: Any
) -> None:
    account = await make_user("retailer")
    token = await form_token(web, "/portal/login")
    answer = await web.post(
        "/portal/login",
        data={"login": account.login, "password": account.password, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert answer.status_code == 403


async def test_sign_in_is_throttled_per_account_with_a_clear_message(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("retailer")
    token = await form_token(web, "/portal/login")
    for _ in range(5):
        answer = await web.post(
            "/portal/login",
            data={"login": account.login, "password": "guess", "csrf_token": token},
        )
        assert answer.status_code == 422
    # Even the right password waits now: the account cannot be probed while locked.
    answer = await web.post(
        "/portal/login",
        data={"login": account.login, "password": PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 429
    assert "Bạn đã nhập sai quá nhiều lần" in answer.text
    assert "15 phút" in answer.text
    # Another account on the same network is not locked by this one's failures.
    other = await make_user("retailer", name="Trần Văn Bình")
    assert (await sign_in(web, other)).status_code == 303


async def test_sign_in_is_throttled_per_network(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    token = await form_token(web, "/portal/login")
    for n in range(30):
        await web.post(
            "/portal/login",
            data={"login": f"nobody{n}@example.vn", "password": "guess", "csrf_token": token},
        )
    account = await make_user("retailer")
    answer = await sign_in(web, account)
    assert answer.status_code == 429


async def test_a_one_time_password_must_be_changed_first(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    coop = await world.cooperative(db)
    account = await make_user("cooperative", cooperative_id=coop, temporary=True)
    answer = await sign_in(web, account)
    assert answer.headers["location"] == "/portal/password"
    # Nothing else opens until it is changed.
    blocked = await web.get("/portal/api-keys", follow_redirects=False)
    assert blocked.headers["location"] == "/portal/password"
    page = await web.get("/portal/password")
    token = csrf_of(page.text)
    short = await web.post(
        "/portal/password",
        data={"new_password": "ngắn", "confirm_password": "ngắn", "csrf_token": token},
    )
    assert short.status_code == 422
    assert "Dùng ít nhất 10 ký tự" in short.text
    mismatch = await web.post(
        "/portal/password",
        data={"new_password": PASSWORD, "confirm_password": PASSWORD + "!", "csrf_token": token},
    )
    assert "Hai lần nhập mật khẩu mới không giống nhau." in mismatch.text
    before = web.cookies.get(SESSION)
    done = await web.post(
        "/portal/password",
        data={"new_password": PASSWORD, "confirm_password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"].startswith("/portal/")
    assert web.cookies.get(SESSION) != before  # a new session id at each step up
    assert (await web.get("/portal/api-keys")).status_code == 200
    assert not await db.fetchval("SELECT password_is_temporary FROM users")


async def test_authority_sets_up_and_then_gives_a_second_factor(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("authority")
    answer = await sign_in(web, account)
    assert answer.headers["location"] == "/portal/second-factor/setup"
    assert (await web.get("/portal/", follow_redirects=False)).status_code == 303
    page = await web.get("/portal/second-factor/setup")
    assert "<svg" in page.text  # the QR is drawn here, not by a remote service
    secret = page.text.split('name="secret" value="')[1].split('"')[0]
    token = csrf_of(page.text)
    wrong = await web.post(
        "/portal/second-factor/setup",
        data={"secret": secret, "code": "000000", "csrf_token": token},
    )
    assert wrong.status_code == 422
    assert "Mã không đúng" in wrong.text
    done = await web.post(
        "/portal/second-factor/setup",
        data={"secret": secret, "code": pyotp.TOTP(secret).now(), "csrf_token": token},
    )
    assert done.status_code == 200
    codes = [c.split("</code>")[0] for c in done.text.split("<code>")[1:]]
    assert len(codes) == 10
    assert (await web.get("/portal/")).status_code == 200

    # The next sign-in asks for a code; a recovery code works once.
    web.cookies.clear()
    again = await sign_in(web, account)
    assert again.headers["location"] == "/portal/second-factor"
    token = await form_token(web, "/portal/second-factor")
    used = await web.post(
        "/portal/second-factor",
        data={"code": codes[0], "csrf_token": token},
        follow_redirects=False,
    )
    assert used.status_code == 303
    assert used.headers["location"] == "/portal/"
    web.cookies.clear()
    await sign_in(web, account)
    token = await form_token(web, "/portal/second-factor")
    reused = await web.post("/portal/second-factor", data={"code": codes[0], "csrf_token": token})
    assert reused.status_code == 422


async def test_a_totp_code_is_good_only_once(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    account = await make_user("authority")
    await db.execute(
        "UPDATE users SET totp_secret = $2 WHERE id = $1", account.id, DEMO_TOTP_SECRET
    )
    code = pyotp.TOTP(DEMO_TOTP_SECRET).now()
    for expected in (303, 422):
        web.cookies.clear()
        await sign_in(web, account)
        token = await form_token(web, "/portal/second-factor")
        answer = await web.post(
            "/portal/second-factor",
            data={"code": code, "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == expected
