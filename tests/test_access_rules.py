"""Role rules are guards declared on the routes, checked before a body is read."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker, assert_problem
from traceability.app import create_app
from traceability.settings import Settings

PUBLIC = (
    "/api/v1/lots/{lot_id:int}/epcis",
    "/api/v1/lots/{lot_id:int}/circular-02",
    "/api/v1/products/{product_id:int}/circular-02",
)
"""API routes anyone may read without a key: the GS1 EPCIS export (linked from public
linksets) and the Circular 02 records (the facts the consumer page shows)."""


def _api_handlers(app: Litestar) -> list[tuple[str, HTTPRouteHandler]]:
    found = []
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for handler in getattr(route, "route_handlers", []):
            found.append((route.path, handler))
    return found


def test_every_api_route_declares_who_may_call_it(settings: Settings) -> None:
    app = create_app(settings)
    handlers = _api_handlers(app)
    assert len(handlers) > 40
    unguarded = [
        f"{sorted(h.http_methods)} {path}"
        for path, h in handlers
        if not h.resolve_guards() and path not in PUBLIC
    ]
    assert unguarded == []


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/stamp-batches", b'{"product_id": 1, "quantity": '),
        ("/api/v1/cooperatives", b"\xff\xfe not json"),
        ("/api/v1/verify", b"[" * 100_000),
    ],
)
async def test_anonymous_callers_are_refused_before_their_body_is_parsed(
    client: AsyncTestClient[Any], path: str, body: bytes
) -> None:
    answer = await client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert_problem(answer, 401)


async def test_wrong_role_is_refused_before_the_body_is_parsed(
    client: AsyncTestClient[Any], make_key: KeyMaker
) -> None:
    retailer = await make_key("retailer")
    answer = await client.post(
        "/api/v1/cooperatives",
        content=b'{"name": ',
        headers={**retailer, "Content-Type": "application/json"},
    )
    assert_problem(answer, 403)
