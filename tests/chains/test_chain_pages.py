"""The authority's chain pages: onboard a chain with its first person (the one-time password
shown once), fix a field beside its error, suspend with a reason (its people are turned
away) and lift; a chain's person cannot reach these pages."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import httpx
from litestar.testing import AsyncTestClient

from tests.portal.conftest import PASSWORD, Account, form_token, sign_in

FIELDS = {
    "name": "Siêu thị Bốn Mùa",
    "tax_code": "0101234567",
    "province": "Hà Nội",
    "commune": "Phường Cầu Giấy",
    "display_name": "Lê Thu",
    "login": "0912 111 222",
}


async def _authority(web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any) -> None:
    boss = await make_user("authority")
    await sign_in(web, boss)
    # The second factor is tested elsewhere: this session is past it.
    await db.execute("UPDATE user_sessions SET stage = 'signed_in' WHERE user_id = $1", boss.id)


async def test_the_authority_onboards_suspends_and_lifts_a_chain(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> None:
    await _authority(web, db, make_user)
    token = await form_token(web, "/portal/chains/new")
    bad = await web.post(
        "/portal/chains/new", data={**FIELDS, "tax_code": "12ab", "csrf_token": token}
    )
    assert bad.status_code == 422
    assert 'id="f-tax_code-error"' in bad.text
    assert 'value="Siêu thị Bốn Mùa"' in bad.text  # what was typed stays
    assert await db.fetchval("SELECT count(*) FROM chains") == 0

    made = await web.post("/portal/chains/new", data={**FIELDS, "csrf_token": token})
    assert made.status_code == 201, made.text
    secret = re.search(r"<code>([^<]+)</code>", made.text)
    assert secret
    chain_id = await db.fetchval("SELECT id FROM chains")
    assert await db.fetchval("SELECT chain_id FROM users WHERE login = '0912111222'") == chain_id
    listed = await web.get("/portal/chains?q=bốn")
    assert f'href="/portal/chains/{chain_id}"' in listed.text

    # Their first person signs in with it (and must choose a password).
    clerk = Account(0, "0912111222", secret.group(1), "retailer", None, chain_id)
    boss = httpx.Cookies(web.cookies)
    web.cookies = httpx.Cookies()
    assert (await sign_in(web, clerk)).headers["location"] == "/portal/password"
    theirs = httpx.Cookies(web.cookies)

    web.cookies = httpx.Cookies(boss)
    token = await form_token(web, f"/portal/chains/{chain_id}")
    suspended = await web.post(
        f"/portal/chains/{chain_id}/suspend",
        data={"reason": "Hồ sơ chưa đủ", "csrf_token": token},
        follow_redirects=False,
    )
    assert suspended.status_code == 303
    assert "Hồ sơ chưa đủ" in (await web.get(f"/portal/chains/{chain_id}")).text

    web.cookies = httpx.Cookies(theirs)  # their session ended; signing in again is refused
    assert (await web.get("/portal/password", follow_redirects=False)).status_code == 303
    web.cookies = httpx.Cookies()
    assert (await sign_in(web, clerk)).status_code != 303

    web.cookies = httpx.Cookies(boss)
    token = await form_token(web, f"/portal/chains/{chain_id}")
    lifted = await web.post(
        f"/portal/chains/{chain_id}/lift", data={"csrf_token": token}, follow_redirects=False
    )
    assert lifted.status_code == 303
    web.cookies = httpx.Cookies()
    assert (await sign_in(web, clerk)).headers["location"] == "/portal/password"


async def test_a_chains_person_cannot_open_the_authority_pages(
    web: AsyncTestClient[Any], make_user: Any
) -> None:
    clerk = await make_user("retailer")
    await sign_in(web, clerk)
    assert (await web.get("/portal/chains")).status_code == 403
    assert (await web.get(f"/portal/chains/{clerk.chain_id}")).status_code == 403
    token = await form_token(web, "/portal/receiving")
    refused = await web.post("/portal/chains/new", data={**FIELDS, "csrf_token": token})
    assert refused.status_code == 403
    assert PASSWORD  # the clerk's own password is unchanged by any of this
