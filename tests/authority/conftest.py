"""The authority's pages: an official signed in with the second factor, in a browser-like
client."""

from __future__ import annotations

from typing import Any

import asyncpg
import pyotp
import pytest
from litestar.testing import AsyncTestClient

from tests.portal.conftest import Account, form_token, make_user, sign_in, web
from tests.world import registry
from traceability.accounts.demo import DEMO_TOTP_SECRET

__all__ = ["make_user", "official", "registry", "web"]


async def sign_in_official(client: AsyncTestClient[Any], account: Account) -> None:
    """Password, then a TOTP code: the authority's way in."""
    answer = await sign_in(client, account)
    assert answer.headers["location"] == "/portal/second-factor", answer.text
    token = await form_token(client, "/portal/second-factor")
    answer = await client.post(
        "/portal/second-factor",
        data={"code": pyotp.TOTP(DEMO_TOTP_SECRET).now(), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


@pytest.fixture
async def official(
    web: AsyncTestClient[Any], db: asyncpg.Connection, make_user: Any
) -> AsyncTestClient[Any]:
    """``web``, signed in as an official of the provincial authority."""
    account = await make_user("authority", name="Trần Văn Bình")
    await db.execute(
        "UPDATE users SET totp_secret = $2 WHERE id = $1", account.id, DEMO_TOTP_SECRET
    )
    await sign_in_official(web, account)
    return web
