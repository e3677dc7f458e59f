from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from stamps import KeyRing, Stamp, issue
from tests.world import Registry, order
from traceability.runtime import runtime_of


def ring_of(client: AsyncTestClient[Any]) -> KeyRing:
    ring: KeyRing = runtime_of(client.app).keys.ring
    return ring


def stamp(client: AsyncTestClient[Any], serial: int) -> Stamp:
    return issue(serial, ring_of(client))


def path(client: AsyncTestClient[Any], serial: int) -> str:
    return "/s/" + stamp(client, serial).code


def app_path(app: Any, serial: int) -> str:
    """The scan path of a stamp, for a test client around a wrapped app (``FromNetwork``)."""
    return "/s/" + issue(serial, runtime_of(app).keys.ring).code


async def active_batch(
    client: AsyncTestClient[Any], registry: Registry, quantity: int = 100
) -> dict[str, Any]:
    """A batch for the registry's lot, all activated."""
    batch = await order(
        client, registry.coop, registry.product_id, quantity, lot_id=registry.lot_id
    )
    answer = await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    assert answer.status_code == 201, answer.text
    return batch


async def scan_json(client: AsyncTestClient[Any], url: str, **params: Any) -> dict[str, Any]:
    answer = await client.get(url, params=params, headers={"Accept": "application/json"})
    body: dict[str, Any] = answer.json()
    return body


class FromNetwork:
    """The app as reached from one client address (the test client has none of its own)."""

    def __init__(self, app: Any, address: str) -> None:
        self.app, self.address = app, address
        self.state = getattr(app, "state", None)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "client": (self.address, 40000)}
        await self.app(scope, receive, send)
