"""Cooperatives: onboarding by the authority, self-service updates, public profiles."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import KeyMaker, assert_problem
from tests.registry.conftest import Headers, cooperative_body, counts, created, jsonb

pytestmark = pytest.mark.anyio

URL = "/api/v1/cooperatives"


async def test_authority_onboards_a_cooperative_with_full_record(
    client: AsyncTestClient[Any], authority: Headers, db: asyncpg.Connection
) -> None:
    body = cooperative_body(
        1,
        address_line="Thôn Khuổi Le",
        latitude=22.45,
        longitude=104.86,
        contact_name="Nguyễn Văn Tài",
        phone="+84 912 345 671",
        email="htxanhtai@gmail.com",
        website="https://anhtai.vn",
        gln="8938534000000",
    )
    coop = await created(client, URL, body, authority)
    assert coop["name"] == "Hợp tác xã Nông nghiệp Số 1"
    assert coop["province"] == "Tuyên Quang"  # Hà Giang province is part of Tuyên Quang since 2025
    assert coop["gln"] == "8938534000000"
    read = await client.get(f"{URL}/{coop['id']}", headers=authority)
    assert read.json() == coop
    entry = await db.fetchrow("SELECT * FROM audit_log WHERE entity = 'cooperative'")
    assert entry["action"] == "create"
    assert entry["actor_role"] == "authority"
    assert jsonb(entry["after"])["tax_code"] == body["tax_code"]


async def test_names_are_stored_nfc(client: AsyncTestClient[Any], authority: Headers) -> None:
    decomposed = unicodedata.normalize("NFD", "Hợp tác xã Vĩnh Hảo")
    assert decomposed != "Hợp tác xã Vĩnh Hảo"
    coop = await created(client, URL, cooperative_body(1, name=decomposed), authority)
    assert coop["name"] == "Hợp tác xã Vĩnh Hảo"


async def test_one_cooperative_per_tax_code(
    client: AsyncTestClient[Any], authority: Headers, db: asyncpg.Connection
) -> None:
    await created(client, URL, cooperative_body(1), authority)
    before = await counts(db)
    body = assert_problem(
        await client.post(URL, json=cooperative_body(1, name="Khác"), headers=authority), 409
    )
    assert "tax code" in body["detail"]
    assert await counts(db) == before


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"tax_code": "12345"}, "tax_code"),
        ({"gln": "8938534000001"}, "check digit"),
        ({"website": "http://anhtai.vn"}, "https://"),
        ({"website": "javascript:alert(1)"}, "https://"),
        ({"latitude": 22.4}, "latitude and longitude"),
        ({"latitude": 91, "longitude": 104}, "latitude"),
        ({"name": "x" * 201}, "name"),
        ({"name": " Hợp tác xã "}, "name"),
        ({"name": "Hợp tác xã\n"}, "control"),
        ({"name": 42}, "name"),
        ({"email": "not-an-email"}, "email"),
        ({"owner": "someone"}, "owner"),
    ],
)
async def test_bad_cooperatives_are_refused_and_change_nothing(
    client: AsyncTestClient[Any],
    authority: Headers,
    db: asyncpg.Connection,
    change: dict[str, Any],
    needle: str,
) -> None:
    before = await counts(db)
    response = await client.post(URL, json=cooperative_body(1, **change), headers=authority)
    body = assert_problem(response, 400)
    # The problem names the field or the rule: in its detail or in its list of errors.
    assert needle in json.dumps(body, ensure_ascii=False), body
    assert await counts(db) == before


async def test_invalid_utf8_and_huge_bodies_are_refused(
    client: AsyncTestClient[Any], authority: Headers, db: asyncpg.Connection
) -> None:
    before = await counts(db)
    bad = b'{"name": "H\xff\xfe", "tax_code": "5100280701", "district": "a", "commune": "b"}'
    headers = {**authority, "Content-Type": "application/json"}
    assert_problem(await client.post(URL, content=bad, headers=headers), 400)
    huge = cooperative_body(1, address_line="ệ" * 100_000)
    assert_problem(await client.post(URL, json=huge, headers=authority), 400)
    assert_problem(await client.post(URL, content=b"[1, 2", headers=headers), 400)
    assert await counts(db) == before


async def test_only_the_authority_onboards(
    client: AsyncTestClient[Any], authority: Headers, make_key: KeyMaker, db: asyncpg.Connection
) -> None:
    coop = await created(client, URL, cooperative_body(1), authority)
    # The keys first: a retailer's key comes with its chain, whose onboarding is audited.
    keys = [await make_key("cooperative", cooperative_id=coop["id"]), await make_key("retailer")]
    before = await counts(db)
    for key in keys:
        assert_problem(await client.post(URL, json=cooperative_body(2), headers=key), 403)
    assert_problem(await client.post(URL, json=cooperative_body(2)), 401)
    assert await counts(db) == before


async def test_cooperative_updates_its_own_record(
    client: AsyncTestClient[Any], authority: Headers, make_key: KeyMaker, db: asyncpg.Connection
) -> None:
    coop = await created(client, URL, cooperative_body(1, phone="0219 3812 345"), authority)
    key = await make_key("cooperative", cooperative_id=coop["id"])
    response = await client.patch(
        f"{URL}/{coop['id']}",
        json={"contact_name": "Nguyễn Thị Hoa", "phone": None},
        headers=key,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["contact_name"] == "Nguyễn Thị Hoa"
    assert updated["phone"] is None
    assert updated["name"] == coop["name"]  # fields not sent stay as they were
    entry = await db.fetchrow(
        "SELECT * FROM audit_log WHERE entity = 'cooperative' AND action = 'update'"
    )
    assert jsonb(entry["before"])["phone"] == "0219 3812 345"
    assert jsonb(entry["after"])["phone"] is None
    assert entry["actor_role"] == "cooperative"
    assert (await client.get(f"{URL}/{coop['id']}", headers=key)).json() == updated


async def test_only_the_authority_changes_a_tax_code(
    client: AsyncTestClient[Any], authority: Headers, make_key: KeyMaker
) -> None:
    coop = await created(client, URL, cooperative_body(1), authority)
    key = await make_key("cooperative", cooperative_id=coop["id"])
    new = {"tax_code": "5100280799"}
    assert_problem(await client.patch(f"{URL}/{coop['id']}", json=new, headers=key), 403)
    response = await client.patch(f"{URL}/{coop['id']}", json=new, headers=authority)
    assert response.json()["tax_code"] == "5100280799"


async def test_patch_checks_the_merged_record(
    client: AsyncTestClient[Any], authority: Headers, db: asyncpg.Connection
) -> None:
    coop = await created(client, URL, cooperative_body(1), authority)
    before = await counts(db)
    # Latitude alone would leave the location half given.
    response = await client.patch(f"{URL}/{coop['id']}", json={"latitude": 22.5}, headers=authority)
    assert "latitude and longitude" in assert_problem(response, 422)["detail"]
    response = await client.patch(f"{URL}/{coop['id']}", json={"name": None}, headers=authority)
    assert_problem(response, 400)
    assert_problem(await client.patch(f"{URL}/999", json={"name": "A"}, headers=authority), 404)
    assert await counts(db) == before


async def test_public_profiles_for_every_key(
    client: AsyncTestClient[Any], authority: Headers, make_key: KeyMaker
) -> None:
    coop = await created(client, URL, cooperative_body(1, phone="0219 3812 345"), authority)
    retailer = await make_key("retailer")
    profile = (await client.get(f"{URL}/{coop['id']}/profile", headers=retailer)).json()
    assert profile == {
        "id": coop["id"],
        "name": coop["name"],
        "province": "Tuyên Quang",
        "district": "Bắc Quang",
        "commune": "Vĩnh Hảo",
        "created_at": coop["created_at"],
    }
    listed = (await client.get(URL, headers=retailer)).json()
    assert listed["items"] == [profile]
    # The full record (tax code, phone) is not the retailer's to read.
    assert_problem(await client.get(f"{URL}/{coop['id']}", headers=retailer), 403)
    assert_problem(await client.get(f"{URL}/999/profile", headers=retailer), 404)
    assert_problem(await client.get(URL), 401)


async def test_profiles_filter_by_district(
    client: AsyncTestClient[Any], authority: Headers
) -> None:
    await created(client, URL, cooperative_body(1), authority)
    await created(client, URL, cooperative_body(2, district="Mèo Vạc", commune="Pả Vi"), authority)
    found = (await client.get(URL, params={"district": "Mèo Vạc"}, headers=authority)).json()
    assert [c["commune"] for c in found["items"]] == ["Pả Vi"]
