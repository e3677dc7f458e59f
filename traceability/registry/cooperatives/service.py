"""The authority's rules for cooperatives: onboarding with a first person, suspension.

A suspended cooperative's people cannot sign in (their sessions end) and its API keys are
refused; its stamps keep verifying, since consumers holding its products did nothing wrong.
"""

from __future__ import annotations

import asyncpg

from traceability.accounts import service as accounts
from traceability.accounts.repository import Principal
from traceability.accounts.schemas import UserCreate
from traceability.audit.repository import record
from traceability.errors import Conflict
from traceability.registry.cooperatives import repository as cooperatives
from traceability.registry.cooperatives.schemas import (
    Cooperative,
    CooperativeCreate,
    CooperativeOnboarding,
    Onboarded,
    Suspension,
)


async def create(
    conn: asyncpg.Connection, principal: Principal, data: CooperativeCreate
) -> Cooperative:
    created = await cooperatives.insert(conn, data)
    await record(
        conn, principal, "create", "cooperative", created.id,
        cooperative_id=created.id, after=created,
    )  # fmt: skip
    return created


async def replace(
    conn: asyncpg.Connection, principal: Principal, cooperative_id: int, data: CooperativeCreate
) -> Cooperative:
    """Write a cooperative's whole record (the page's form; the API patches through it)."""
    before = await cooperatives.get(conn, cooperative_id)
    after = await cooperatives.update(conn, cooperative_id, data)
    await record(
        conn, principal, "update", "cooperative", cooperative_id,
        cooperative_id=cooperative_id, before=before, after=after,
    )  # fmt: skip
    return after


async def onboard(
    conn: asyncpg.Connection, principal: Principal, data: CooperativeOnboarding
) -> Onboarded:
    """Register a cooperative and its first person in one transaction: a taken login or tax
    code leaves neither behind."""
    created = await create(conn, principal, data.cooperative)
    person = await accounts.create_user(
        conn,
        principal,
        UserCreate(
            login=data.first_user.login,
            display_name=data.first_user.display_name,
            role="cooperative",
            cooperative_id=created.id,
            language=data.first_user.language,
        ),
    )
    return Onboarded(created, person.user, person.one_time_password)


async def suspend(
    conn: asyncpg.Connection, principal: Principal, cooperative_id: int, data: Suspension
) -> Cooperative:
    before = await cooperatives.get(conn, cooperative_id)
    after = await cooperatives.suspend(conn, cooperative_id, data.reason)
    if after is None:
        raise Conflict(
            "This cooperative is already suspended (since %(at)s).",
            params={"at": f"{before.suspended_at:%d/%m/%Y}"},
        )
    await record(
        conn, principal, "suspend", "cooperative", cooperative_id,
        cooperative_id=cooperative_id, before=before, after=after,
    )  # fmt: skip
    return after


async def lift_suspension(
    conn: asyncpg.Connection, principal: Principal, cooperative_id: int
) -> Cooperative:
    """Let the cooperative's people and keys in again (the same call twice changes nothing)."""
    before = await cooperatives.get(conn, cooperative_id)
    after = await cooperatives.lift_suspension(conn, cooperative_id)
    if after is None:
        return before
    await record(
        conn, principal, "lift_suspension", "cooperative", cooperative_id,
        cooperative_id=cooperative_id, before=before, after=after,
    )  # fmt: skip
    return after
