"""``/healthz`` (the process is alive) and ``/readyz`` (it can serve: send it traffic)."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Response, get
from litestar.datastructures import State

from traceability.health.service import readiness


@get("/healthz", summary="Alive", tags=["operations"], media_type=MediaType.JSON)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/readyz",
    summary="Ready: the database answers, takes writes and has this release's schema",
    tags=["operations"],
)
async def readyz(state: State) -> Response[dict[str, Any]]:
    ready, report = await readiness(state.pool, getattr(state, "reads", None))
    return Response(
        report, status_code=200 if ready else 503, headers={"Cache-Control": "no-store"}
    )


ROUTES = [healthz, readyz]
