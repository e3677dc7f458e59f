"""The rules for chains and stores, shared by ``/api/v1/chains`` and the portal's pages.

The authority onboards a chain with its first person (one transaction: a taken login or tax
code leaves neither behind), edits and suspends it. A suspended chain's people cannot sign
in (their sessions end) and its API keys are refused; its deliveries stay on record. A chain
keeps its own stores; the authority may too.
"""

from __future__ import annotations

import asyncpg

from traceability.accounts import service as accounts
from traceability.accounts.repository import Principal
from traceability.accounts.schemas import UserCreate
from traceability.audit.repository import record
from traceability.chains import repository as chains
from traceability.chains.access import check_member, require_authority
from traceability.chains.schemas import (
    Chain,
    ChainCreate,
    ChainOnboarding,
    Onboarded,
    Store,
    StoreCreate,
    Suspension,
)
from traceability.errors import Conflict, NotFound


async def create(conn: asyncpg.Connection, principal: Principal, data: ChainCreate) -> Chain:
    require_authority(principal)
    created = await chains.insert(conn, data)
    await record(conn, principal, "create", "chain", created.id, cooperative_id=None, after=created)
    return created


async def onboard(
    conn: asyncpg.Connection, principal: Principal, data: ChainOnboarding
) -> Onboarded:
    """Register a chain and its first person together."""
    created = await create(conn, principal, data.chain)
    person = await accounts.create_user(
        conn,
        principal,
        UserCreate(
            login=data.first_user.login,
            display_name=data.first_user.display_name,
            role="retailer",
            chain_id=created.id,
            language=data.first_user.language,
        ),
    )
    return Onboarded(created, person.user, person.one_time_password)


async def visible(conn: asyncpg.Connection, principal: Principal, chain_id: int) -> Chain:
    """A chain its own people and the authority may read; to anyone else it does not exist."""
    check_member(principal, chain_id, f"No chain {chain_id}.")
    return await chains.get(conn, chain_id)


async def update(
    conn: asyncpg.Connection, principal: Principal, chain_id: int, data: ChainCreate
) -> Chain:
    """The authority edits a chain's record (and so completes one made from an old key)."""
    require_authority(principal)
    before = await chains.get(conn, chain_id)
    after = await chains.update(conn, chain_id, data)
    await record(
        conn,
        principal,
        "update",
        "chain",
        chain_id,
        cooperative_id=None,
        before=before,
        after=after,
    )
    return after


async def suspend(
    conn: asyncpg.Connection, principal: Principal, chain_id: int, data: Suspension
) -> Chain:
    require_authority(principal)
    before = await chains.get(conn, chain_id)
    after = await chains.suspend(conn, chain_id, data.reason)
    if after is None:
        raise Conflict("This chain is already suspended.")
    await record(
        conn,
        principal,
        "suspend",
        "chain",
        chain_id,
        cooperative_id=None,
        before=before,
        after=after,
    )
    return after


async def lift_suspension(conn: asyncpg.Connection, principal: Principal, chain_id: int) -> Chain:
    """Let the chain's people and keys in again (the same call twice changes nothing)."""
    require_authority(principal)
    before = await chains.get(conn, chain_id)
    after = await chains.lift_suspension(conn, chain_id)
    if after is None:
        return before
    await record(
        conn, principal, "lift_suspension", "chain", chain_id,
        cooperative_id=None, before=before, after=after,
    )  # fmt: skip
    return after


# -- stores ---------------------------------------------------------------------------------


async def stores(conn: asyncpg.Connection, principal: Principal, chain_id: int) -> list[Store]:
    await visible(conn, principal, chain_id)
    return await chains.list_stores(conn, chain_id)


async def add_store(
    conn: asyncpg.Connection, principal: Principal, chain_id: int, data: StoreCreate
) -> Store:
    await visible(conn, principal, chain_id)
    created = await chains.insert_store(conn, chain_id, data)
    await record(conn, principal, "create", "store", created.id, cooperative_id=None, after=created)
    return created


async def visible_store(conn: asyncpg.Connection, principal: Principal, store_id: int) -> Store:
    """A store of the caller's own chain (or any, for the authority); else "not found"."""
    found = await chains.find_store(conn, store_id)
    check_member(principal, found.chain_id if found else None, f"No store {store_id}.")
    if found is None:
        raise NotFound(f"No store {store_id}.")
    return found


async def update_store(
    conn: asyncpg.Connection, principal: Principal, store_id: int, data: StoreCreate
) -> Store:
    before = await visible_store(conn, principal, store_id)
    after = await chains.update_store(conn, store_id, data)
    await record(
        conn,
        principal,
        "update",
        "store",
        store_id,
        cooperative_id=None,
        before=before,
        after=after,
    )
    return after


async def set_store_closed(
    conn: asyncpg.Connection, principal: Principal, store_id: int, closed: bool
) -> Store:
    """A closed store keeps its deliveries; no new ones can name it. Reopening undoes it."""
    before = await visible_store(conn, principal, store_id)
    after = await chains.set_store_closed(conn, store_id, closed)
    if (before.closed_at is None) != (after.closed_at is None):
        await record(
            conn, principal, "close" if closed else "reopen", "store", store_id,
            cooperative_id=None, before=before, after=after,
        )  # fmt: skip
    return after
