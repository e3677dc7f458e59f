"""Chains and their stores over HTTP: the authority onboards, edits and suspends chains; a
chain's own keys read their chain and keep its stores."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import AUTHORITY, requires_role
from traceability.chains import repository as chains
from traceability.chains import service
from traceability.chains.schemas import (
    Chain,
    ChainCreate,
    ChainOnboarding,
    ChainPatch,
    ChainRecord,
    Onboarded,
    Store,
    StoreCreate,
    StorePatch,
    Suspension,
)
from traceability.deps import Caller, Conn
from traceability.inputs import PathId
from traceability.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    after_id,
    page_of,
)
from traceability.registry.types import apply_patch

RETAIL = requires_role("authority", "retailer")
"""A chain's own keys, and the authority."""


class ChainController(Controller):
    path = "/api/v1/chains"
    tags = ["retail: chains and stores"]
    guards = [RETAIL]

    @post("/", guards=[AUTHORITY], summary="Register a supermarket chain (authority only)")
    async def create_chain(
        self, conn: Conn, principal: Caller, data: JSONBody[ChainCreate]
    ) -> Chain:
        return await service.create(conn, principal, data)

    @post(
        "/onboarding",
        guards=[AUTHORITY],
        summary="Onboard a chain with its first person (authority only)",
        description=(
            "Creates the chain and its first portal account in one transaction. The answer "
            "holds the person's one-time password, shown this once: they change it at the "
            "first sign-in, then invite colleagues and create API keys for the chain."
        ),
    )
    async def onboard_chain(
        self, conn: Conn, principal: Caller, data: JSONBody[ChainOnboarding]
    ) -> Onboarded:
        return await service.onboard(conn, principal, data)

    @get("/", guards=[AUTHORITY], summary="Chains, newest first, with their counts (authority)")
    async def list_chains(
        self,
        conn: Conn,
        principal: Caller,
        q: FromQuery[str | None] = None,
        suspended: FromQuery[bool | None] = None,
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[ChainRecord]:
        found = await chains.list_records(
            conn,
            search=(q or "").strip()[:200] or None,
            suspended=suspended,
            before=after_id(cursor),
            limit=limit,
        )
        return page_of(found, limit, lambda r: r.chain.id)

    @get("/{chain_id:int}", summary="A chain (its own keys, or the authority)")
    async def get_chain(self, conn: Conn, principal: Caller, chain_id: PathId) -> Chain:
        return await service.visible(conn, principal, chain_id)

    @patch("/{chain_id:int}", guards=[AUTHORITY], summary="Update a chain's record (partial)")
    async def update_chain(
        self, conn: Conn, principal: Caller, chain_id: PathId, data: JSONBody[ChainPatch]
    ) -> Chain:
        before = await chains.get(conn, chain_id)
        return await service.update(
            conn, principal, chain_id, apply_patch(before, data, ChainCreate)
        )

    @post(
        "/{chain_id:int}/suspension",
        status_code=200,
        guards=[AUTHORITY],
        summary="Suspend a chain: its people and keys stop working, its records stay",
    )
    async def suspend_chain(
        self, conn: Conn, principal: Caller, chain_id: PathId, data: JSONBody[Suspension]
    ) -> Chain:
        return await service.suspend(conn, principal, chain_id, data)

    @delete(
        "/{chain_id:int}/suspension",
        status_code=200,
        guards=[AUTHORITY],
        summary="Lift a chain's suspension",
    )
    async def lift_chain_suspension(self, conn: Conn, principal: Caller, chain_id: PathId) -> Chain:
        return await service.lift_suspension(conn, principal, chain_id)

    @get("/{chain_id:int}/stores", summary="A chain's stores, open ones first")
    async def list_stores(self, conn: Conn, principal: Caller, chain_id: PathId) -> list[Store]:
        return await service.stores(conn, principal, chain_id)

    @post("/{chain_id:int}/stores", summary="Add a store to a chain")
    async def add_store(
        self, conn: Conn, principal: Caller, chain_id: PathId, data: JSONBody[StoreCreate]
    ) -> Store:
        return await service.add_store(conn, principal, chain_id, data)


class StoreController(Controller):
    path = "/api/v1/stores"
    tags = ["retail: chains and stores"]
    guards = [RETAIL]

    @get("/{store_id:int}", summary="A store of one's own chain")
    async def get_store(self, conn: Conn, principal: Caller, store_id: PathId) -> Store:
        return await service.visible_store(conn, principal, store_id)

    @patch("/{store_id:int}", summary="Update a store (partial)")
    async def update_store(
        self, conn: Conn, principal: Caller, store_id: PathId, data: JSONBody[StorePatch]
    ) -> Store:
        before = await service.visible_store(conn, principal, store_id)
        return await service.update_store(
            conn, principal, store_id, apply_patch(before, data, StoreCreate)
        )

    @post(
        "/{store_id:int}/closure",
        status_code=200,
        summary="Close a store (its deliveries stay; no new ones)",
    )
    async def close_store(self, conn: Conn, principal: Caller, store_id: PathId) -> Store:
        return await service.set_store_closed(conn, principal, store_id, True)

    @delete("/{store_id:int}/closure", status_code=200, summary="Reopen a closed store")
    async def reopen_store(self, conn: Conn, principal: Caller, store_id: PathId) -> Store:
        return await service.set_store_closed(conn, principal, store_id, False)
