"""Cooperatives over HTTP: the authority onboards them, a cooperative keeps its record."""

from __future__ import annotations

from litestar import Controller, delete, get, patch, post
from litestar.params import FromQuery, JSONBody

from traceability.accounts.guards import AUTHENTICATED, AUTHORITY
from traceability.deps import READS_FROM_REPLICA, Caller, Conn
from traceability.inputs import PathId
from traceability.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, keyset, page
from traceability.registry.access import check_identity_change, check_owner
from traceability.registry.cooperatives import repository as cooperatives
from traceability.registry.cooperatives import service
from traceability.registry.cooperatives.schemas import (
    Cooperative,
    CooperativeCreate,
    CooperativeOnboarding,
    CooperativePatch,
    CooperativeProfile,
    CooperativeSort,
    Onboarded,
    Suspension,
)
from traceability.registry.types import apply_patch, changed


class CooperativeController(Controller):
    path = "/api/v1/cooperatives"
    tags = ["registry: cooperatives"]
    guards = [AUTHENTICATED]

    @post("/", guards=[AUTHORITY], summary="Onboard a cooperative (authority only)")
    async def create_cooperative(
        self, conn: Conn, principal: Caller, data: JSONBody[CooperativeCreate]
    ) -> Cooperative:
        return await service.create(conn, principal, data)

    @post(
        "/onboarding",
        guards=[AUTHORITY],
        summary="Onboard a cooperative with its first person (authority only)",
        description=(
            "Creates the cooperative and its first portal account in one transaction. The "
            "answer holds the person's one-time password, shown this once: they change it "
            "at the first sign-in."
        ),
    )
    async def onboard_cooperative(
        self, conn: Conn, principal: Caller, data: JSONBody[CooperativeOnboarding]
    ) -> Onboarded:
        return await service.onboard(conn, principal, data)

    @post(
        "/{cooperative_id:int}/suspension",
        status_code=200,
        guards=[AUTHORITY],
        summary="Suspend a cooperative: its people and keys stop working, its stamps verify",
    )
    async def suspend_cooperative(
        self,
        conn: Conn,
        principal: Caller,
        cooperative_id: PathId,
        data: JSONBody[Suspension],
    ) -> Cooperative:
        return await service.suspend(conn, principal, cooperative_id, data)

    @delete(
        "/{cooperative_id:int}/suspension",
        status_code=200,
        guards=[AUTHORITY],
        summary="Lift a cooperative's suspension",
    )
    async def lift_cooperative_suspension(
        self, conn: Conn, principal: Caller, cooperative_id: PathId
    ) -> Cooperative:
        return await service.lift_suspension(conn, principal, cooperative_id)

    @get(
        "/",
        summary="Public profiles of cooperatives (name, district, commune)",
        dependencies=READS_FROM_REPLICA,
    )
    async def list_cooperatives(
        self,
        conn: Conn,
        principal: Caller,
        district: FromQuery[str | None] = None,
        commune: FromQuery[str | None] = None,
        sort: FromQuery[CooperativeSort] = "id",
        cursor: Cursor = None,
        limit: Limit = DEFAULT_LIMIT,
    ) -> Page[CooperativeProfile]:
        keys = keyset(sort, "name", cursor, limit)
        rows = await cooperatives.list_profiles(conn, district=district, commune=commune, keys=keys)
        return page(rows, keys, lambda c: c.name)

    @get("/{cooperative_id:int}", summary="A cooperative's full record (itself or the authority)")
    async def get_cooperative(
        self, conn: Conn, principal: Caller, cooperative_id: PathId
    ) -> Cooperative:
        check_owner(principal, cooperative_id, f"No cooperative {cooperative_id}.")
        return await cooperatives.get(conn, cooperative_id)

    @get(
        "/{cooperative_id:int}/profile",
        summary="A cooperative's public profile",
        dependencies=READS_FROM_REPLICA,
    )
    async def get_cooperative_profile(
        self, conn: Conn, principal: Caller, cooperative_id: PathId
    ) -> CooperativeProfile:
        full = await cooperatives.get(conn, cooperative_id)
        return CooperativeProfile(
            full.id, full.name, full.province, full.district, full.commune, full.created_at
        )

    @patch("/{cooperative_id:int}", summary="Update a cooperative's record (partial)")
    async def update_cooperative(
        self,
        conn: Conn,
        principal: Caller,
        cooperative_id: PathId,
        data: JSONBody[CooperativePatch],
    ) -> Cooperative:
        check_owner(principal, cooperative_id, f"No cooperative {cooperative_id}.")
        check_identity_change(principal, changed(data))
        before = await cooperatives.get(conn, cooperative_id)
        return await service.replace(
            conn, principal, cooperative_id, apply_patch(before, data, CooperativeCreate)
        )
