"""Portal helpers: people with accounts, and a browser-like client that keeps cookies."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests import world
from traceability.accounts import passwords
from traceability.accounts.repository import SYSTEM
from traceability.accounts.schemas import UserCreate
from traceability.accounts.service import create_user
from traceability.app import create_app
from traceability.settings import Settings

PASSWORD = "núi đá Đồng Văn 2026"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Account:
    id: int
    login: str
    password: str
    role: str
    cooperative_id: int | None
    chain_id: int | None = None


@pytest.fixture
async def web(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client like a browser on the public https URL: keeps (Secure) cookies."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        yield client


@pytest.fixture
def make_user(db: asyncpg.Connection) -> Any:
    """``await make_user("cooperative", cooperative_id=1)``: an account with a password of
    its own (``temporary=True`` keeps the one-time password instead). A retailer without
    ``chain_id`` gets a chain of its own."""

    async def make(
        role: str = "cooperative",
        *,
        cooperative_id: int | None = None,
        login: str | None = None,
        temporary: bool = False,
        name: str = "Nguyễn Thị Hoa",
        chain: int | None = None,
    ) -> Account:
        login = (
            login or f"{role}{abs(hash((role, cooperative_id, chain, name))) % 10**6}@example.vn"
        )
        if role == "retailer" and chain is None:
            chain = await world.chain(db, f"Siêu thị của {login}")
        new = await create_user(
            db,
            SYSTEM,
            UserCreate(
                login=login,
                display_name=name,
                role=role,  # type: ignore[arg-type]
                cooperative_id=cooperative_id,
                chain_id=chain,
            ),
        )
        password = new.one_time_password
        if not temporary:
            password = PASSWORD
            await db.execute(
                "UPDATE users SET password_hash = $2, password_is_temporary = false WHERE id = $1",
                new.user.id,
                await passwords.hash_password(PASSWORD),
            )
        return Account(new.user.id, new.user.login, password, role, cooperative_id, chain)

    return make


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no form token"
    return match.group(1)


async def form_token(client: AsyncTestClient[Any], path: str) -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def sign_in(client: AsyncTestClient[Any], account: Account) -> Any:
    token = await form_token(client, "/portal/login")
    return await client.post(
        "/portal/login",
        data={"login": account.login, "password": account.password, "csrf_token": token},
        follow_redirects=False,
    )
