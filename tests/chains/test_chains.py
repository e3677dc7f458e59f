"""Supermarket chains as organisations: onboarding by the authority, stores, suspension, and
the tenant wall between chains (chain A never sees chain B's stores, people or keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests import world
from tests.conftest import KeyMaker, assert_problem

CHAIN = {
    "name": "Siêu thị Bốn Mùa",
    "tax_code": "0101234567",
    "province": "Hà Nội",
    "commune": "Phường Cầu Giấy",
    "address_line": "12 Trần Duy Hưng",
    "gln": "8930000000019",
}
STORE = {
    "name": "Bốn Mùa Cầu Giấy",
    "province": "Hà Nội",
    "commune": "Phường Cầu Giấy",
    "latitude": 21.01,
    "longitude": 105.80,
}


async def _onboard(
    client: AsyncTestClient[Any], authority: dict[str, str], chain: dict[str, Any], login: str
) -> dict[str, Any]:
    answer = await client.post(
        "/api/v1/chains/onboarding",
        json={"chain": chain, "first_user": {"login": login, "display_name": "Lê Thu"}},
        headers=authority,
    )
    assert answer.status_code == 201, answer.text
    onboarded: dict[str, Any] = answer.json()
    return onboarded


async def _tables(db: asyncpg.Connection) -> dict[str, list[Any]]:
    tables = ("chains", "stores", "users", "api_keys", "user_sessions", "audit_log")
    return {
        t: [tuple(r.values()) for r in await db.fetch(f"SELECT * FROM {t} ORDER BY id")]
        for t in tables
    }


async def test_authority_onboards_a_chain_with_its_first_person(
    client: AsyncTestClient[Any], authority: dict[str, str], db: asyncpg.Connection
) -> None:
    made = await _onboard(client, authority, CHAIN, "thu.le@bonmua.vn")
    assert made["chain"]["name"] == "Siêu thị Bốn Mùa"
    assert made["chain"]["incomplete"] is False
    assert made["user"]["role"] == "retailer"
    assert made["user"]["chain_id"] == made["chain"]["id"]
    assert len(made["one_time_password"]) >= 12

    # A taken login leaves no chain behind; a taken tax code no person.
    before = await _tables(db)
    again = await client.post(
        "/api/v1/chains/onboarding",
        json={
            "chain": {**CHAIN, "tax_code": "0109999999", "gln": None, "name": "Khác"},
            "first_user": {"login": "thu.le@bonmua.vn", "display_name": "Ai đó"},
        },
        headers=authority,
    )
    assert_problem(again, 409)
    same_tax = await client.post(
        "/api/v1/chains/onboarding",
        json={
            "chain": {**CHAIN, "gln": None},
            "first_user": {"login": "x@y.vn", "display_name": "X"},
        },
        headers=authority,
    )
    assert (
        assert_problem(same_tax, 409)["detail"]
        == "A chain with this tax code is already registered."
    )
    assert await _tables(db) == before

    bad = await client.post(
        "/api/v1/chains",
        json={**CHAIN, "tax_code": "12ab", "gln": "8930000000018"},
        headers=authority,
    )
    assert_problem(bad, 400)


async def test_only_the_authority_onboards_and_lists_chains(
    client: AsyncTestClient[Any], make_key: KeyMaker, db: asyncpg.Connection
) -> None:
    for role in ("cooperative", "retailer"):
        cooperative = None
        if role == "cooperative":
            cooperative = await world.cooperative(db)
        key = await make_key(role, cooperative_id=cooperative)
        assert_problem(await client.post("/api/v1/chains", json=CHAIN, headers=key), 403)
        assert_problem(await client.get("/api/v1/chains", headers=key), 403)


async def test_chain_a_never_sees_chain_b(
    client: AsyncTestClient[Any],
    authority: dict[str, str],
    make_key: KeyMaker,
    db: asyncpg.Connection,
) -> None:
    a = (await _onboard(client, authority, CHAIN, "a@bonmua.vn"))["chain"]["id"]
    b = (
        await _onboard(
            client,
            authority,
            {**CHAIN, "name": "Siêu thị Sao Mai", "tax_code": "0207654321", "gln": None},
            "b@saomai.vn",
        )
    )["chain"]["id"]
    key_a = await make_key("retailer", chain_id=a, name="Kho A")
    key_b = await make_key("retailer", chain_id=b, name="Kho B")
    store_b = await client.post(f"/api/v1/chains/{b}/stores", json=STORE, headers=key_b)
    assert store_b.status_code == 201, store_b.text
    store_b_id = store_b.json()["id"]
    b_key_id = (await client.get("/api/v1/api-keys/me", headers=key_b)).json()["key_id"]
    b_user_id = await db.fetchval("SELECT id FROM users WHERE chain_id = $1", b)

    before = await _tables(db)
    for method, path, body in (
        ("GET", f"/api/v1/chains/{b}", None),
        ("GET", f"/api/v1/chains/{b}/stores", None),
        ("POST", f"/api/v1/chains/{b}/stores", STORE),
        ("GET", f"/api/v1/stores/{store_b_id}", None),
        ("PATCH", f"/api/v1/stores/{store_b_id}", {"name": "Của A"}),
        ("POST", f"/api/v1/stores/{store_b_id}/closure", None),
        ("DELETE", f"/api/v1/api-keys/{b_key_id}", None),
        ("GET", f"/api/v1/users/{b_user_id}", None),
        ("POST", f"/api/v1/users/{b_user_id}/disable", None),
    ):
        answer = await client.request(method, path, json=body, headers=key_a)
        assert_problem(answer, 404)
    # Lists hold only one's own chain.
    keys = (await client.get("/api/v1/api-keys", headers=key_a)).json()["items"]
    assert {k["chain_id"] for k in keys} == {a}
    people = (await client.get("/api/v1/users", headers=key_a)).json()["items"]
    assert {p["chain_id"] for p in people} == {a}
    # Keys and people for another chain cannot be made either.
    other_key = {"name": "Lậu", "role": "retailer", "chain_id": b}
    assert_problem(await client.post("/api/v1/api-keys", json=other_key, headers=key_a), 403)
    other_person = {"login": "lau@x.vn", "display_name": "Lậu", "role": "retailer", "chain_id": b}
    assert_problem(await client.post("/api/v1/users", json=other_person, headers=key_a), 403)
    assert await _tables(db) == before

    # The owner can do each of these: the wall is who asks, not broken routes.
    assert (await client.get(f"/api/v1/stores/{store_b_id}", headers=key_b)).status_code == 200
    own = await client.patch(
        f"/api/v1/stores/{store_b_id}", json={"name": "Sao Mai 1"}, headers=key_b
    )
    assert own.json()["name"] == "Sao Mai 1"
    colleague = await client.post(
        "/api/v1/users",
        json={"login": "c@saomai.vn", "display_name": "C", "role": "retailer"},
        headers=key_b,
    )
    assert colleague.json()["user"]["chain_id"] == b


async def test_suspended_chain_keys_and_people_are_refused_until_lifted(
    client: AsyncTestClient[Any],
    authority: dict[str, str],
    make_key: KeyMaker,
    db: asyncpg.Connection,
) -> None:
    chain = (await _onboard(client, authority, CHAIN, "a@bonmua.vn"))["chain"]["id"]
    key = await make_key("retailer", chain_id=chain)
    assert (await client.get(f"/api/v1/chains/{chain}", headers=key)).status_code == 200

    suspended = await client.post(
        f"/api/v1/chains/{chain}/suspension", json={"reason": "Chưa nộp hồ sơ"}, headers=authority
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspension_reason"] == "Chưa nộp hồ sơ"
    refused = assert_problem(await client.get(f"/api/v1/chains/{chain}", headers=key), 401)
    assert "suspended" in refused["detail"]
    twice = await client.post(
        f"/api/v1/chains/{chain}/suspension", json={"reason": "x"}, headers=authority
    )
    assert_problem(twice, 409)
    # Its records stay.
    assert await db.fetchval("SELECT count(*) FROM users WHERE chain_id = $1", chain) == 1

    lifted = await client.delete(f"/api/v1/chains/{chain}/suspension", headers=authority)
    assert lifted.json()["suspended_at"] is None
    assert (await client.get(f"/api/v1/chains/{chain}", headers=key)).status_code == 200


async def test_closed_store_stays_listed_after_open_ones(
    client: AsyncTestClient[Any], make_key: KeyMaker, db: asyncpg.Connection
) -> None:
    key = await make_key("retailer")
    chain = (await client.get("/api/v1/api-keys/me", headers=key)).json()["chain_id"]
    first = (await client.post(f"/api/v1/chains/{chain}/stores", json=STORE, headers=key)).json()
    await client.post(
        f"/api/v1/chains/{chain}/stores", json={**STORE, "name": "Bốn Mùa Hà Đông"}, headers=key
    )
    closed = await client.post(f"/api/v1/stores/{first['id']}/closure", headers=key)
    assert closed.json()["closed_at"] is not None
    names = [
        s["name"] for s in (await client.get(f"/api/v1/chains/{chain}/stores", headers=key)).json()
    ]
    assert names == ["Bốn Mùa Hà Đông", "Bốn Mùa Cầu Giấy"]
    duplicate = await client.post(f"/api/v1/chains/{chain}/stores", json=STORE, headers=key)
    assert_problem(duplicate, 409)
    half_place = await client.post(
        f"/api/v1/chains/{chain}/stores",
        json={**STORE, "name": "Nửa", "longitude": None},
        headers=key,
    )
    assert_problem(half_place, 400)


_MIGRATION = Path(__file__).parents[2] / "traceability/db/migrations"


async def _shape(db: asyncpg.Connection) -> list[Any]:
    """Columns, constraints and indexes of the tables the chains migration touches."""
    columns = await db.fetch(
        """SELECT table_name, column_name, data_type, domain_name, is_nullable, column_default
           FROM information_schema.columns
           WHERE table_name IN ('chains', 'stores', 'users', 'api_keys')
           ORDER BY table_name, column_name"""
    )
    constraints = await db.fetch(
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
           FROM pg_constraint
           WHERE conrelid::regclass::text IN ('chains', 'stores', 'users', 'api_keys')
           ORDER BY 1, 2"""
    )
    indexes = await db.fetch(
        """SELECT tablename, indexname, indexdef FROM pg_indexes
           WHERE tablename IN ('chains', 'stores', 'users', 'api_keys') ORDER BY 1, 2"""
    )
    return [list(map(tuple, columns)), list(map(tuple, constraints)), list(map(tuple, indexes))]


async def test_migration_gives_each_old_retailer_a_chain_of_its_own(
    db: asyncpg.Connection,
) -> None:
    """Keys and people of the retailer role from before chains: each its own (incomplete)
    chain, never one shared with strangers; and the migration's tables match schema.sql."""
    expected = await _shape(db)
    (migration,) = _MIGRATION.glob("*_chains.sql")
    await db.execute(
        """DROP TABLE IF EXISTS deliveries, delivery_stamps CASCADE;
           ALTER TABLE api_keys DROP COLUMN chain_id CASCADE;
           ALTER TABLE users DROP COLUMN chain_id CASCADE;
           DROP TABLE stores, chains CASCADE;"""
    )
    await db.execute(
        """INSERT INTO api_keys (name, role, prefix, secret_hash)
           VALUES ('Kho Big C', 'retailer', 'hgk_aaaaaa', sha256('1')),
                  ('Kho Big C', 'retailer', 'hgk_bbbbbb', sha256('2')),
                  ('Sở', 'authority', 'hgk_cccccc', sha256('3'));
           INSERT INTO users (login, display_name, role, password_hash)
           VALUES ('kho@bigc.vn', 'Kho Big C', 'retailer', '$argon2id$v=19$x')"""
    )
    await db.execute(migration.read_text())
    assert await _shape(db) == expected
    chains = await db.fetch("SELECT id, name, incomplete, tax_code FROM chains ORDER BY id")
    assert [(c["name"], c["incomplete"], c["tax_code"]) for c in chains] == [
        ("Kho Big C", True, None)
    ] * 3
    owners = await db.fetch("SELECT chain_id FROM api_keys WHERE role = 'retailer'")
    people = await db.fetch("SELECT chain_id FROM users")
    assert len({r["chain_id"] for r in [*owners, *people]}) == 3
    assert await db.fetchval("SELECT chain_id FROM api_keys WHERE role = 'authority'") is None
