"""A "buy again" link leads to the platform it names, or waits for the authority (item 6)."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem
from tests.world import World


@pytest.mark.parametrize(
    ("platform", "url"),
    [
        ("voso", "https://evil.example/login"),
        ("voso", "https://voso.vn.evil.example/x"),
        ("shopee", "https://notshopee.vn/x"),
        ("sendo", "https://voso.vn/x"),
        ("tiki", "https://tiki.vn@evil.example/x"),
    ],
)
async def test_a_marketplace_listing_must_be_on_its_platforms_hosts(
    client: AsyncTestClient[Any], world: World, platform: str, url: str
) -> None:
    answer = await client.post(
        f"/api/v1/products/{world.a.product_id}/listings",
        json={"platform": platform, "url": url},
        headers=world.a.key,
    )
    assert_problem(answer, 400)


async def test_subdomains_of_the_platform_are_fine(
    client: AsyncTestClient[Any], world: World
) -> None:
    answer = await client.post(
        f"/api/v1/products/{world.a.product_id}/listings",
        json={"platform": "sendo", "url": "https://www.sendo.vn/cam-sanh"},
        headers=world.a.key,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["approved_at"] is not None


async def test_own_shop_listings_wait_for_the_authority(
    client: AsyncTestClient[Any], world: World, db: asyncpg.Connection
) -> None:
    product = world.a.product_id
    added = await client.post(
        f"/api/v1/products/{product}/listings",
        json={"platform": "own_shop", "url": "https://evil.example/login"},
        headers=world.a.key,
    )
    assert added.status_code == 201, added.text
    listing = added.json()
    assert listing["approved_at"] is None

    async def consumer_urls() -> list[str]:
        origin = await client.get(f"/api/v1/products/{product}/origin", headers=world.retailer)
        return [x["url"] for x in origin.json()["listings"]]

    assert "https://evil.example/login" not in await consumer_urls()
    # Only the authority approves: not the cooperative that added it.
    approval = f"/api/v1/products/{product}/listings/{listing['id']}/approval"
    assert_problem(await client.post(approval, headers=world.a.key), 403)
    approved = await client.post(approval, headers=world.authority)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_at"] is not None
    assert "https://evil.example/login" in await consumer_urls()
    audited = await db.fetchval(
        "SELECT count(*) FROM audit_log WHERE action = 'approve' AND entity_id = $1",
        str(listing["id"]),
    )
    assert audited == 1
