"""The authority's cooperative pages: onboard with the first person, edit, suspend, lift."""

from __future__ import annotations

import html
import re
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.portal.conftest import csrf_of, sign_in
from tests.world import Registry

RECORD = {
    "name": "HTX Chè Shan tuyết <Lũng Phìn>",
    "tax_code": "5100112233",
    "province": "Tuyên Quang",
    "commune": "Lũng Phìn",
    "district": "",
    "address_line": "",
    "contact_name": "",
    "phone": "0912 345 678",
    "email": "",
    "website": "",
    "gln": "",
    "latitude": "23,2",
    "longitude": "105,3",
}


async def _post(client: AsyncTestClient[Any], path: str, page: str, **data: str) -> Any:
    token = csrf_of((await client.get(page)).text)
    return await client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


async def test_onboarding_creates_the_cooperative_and_its_first_person(
    official: AsyncTestClient[Any], web: AsyncTestClient[Any], db: asyncpg.Connection
) -> None:
    new = "/portal/cooperatives/new"
    done = await _post(
        official, new, new, **RECORD, display_name="Sùng Thị Mai", login="0987 654 321"
    )
    assert done.status_code == 201, done.text
    assert "HTX Chè Shan tuyết &lt;Lũng Phìn&gt;" in done.text  # escaped as typed
    password = re.search(r"<code>([^<]+)</code>", done.text)
    assert password is not None
    row = await db.fetchrow(
        "SELECT latitude, cooperative_id FROM cooperatives c JOIN users u"
        " ON u.cooperative_id = c.id WHERE u.login = '0987654321'"
    )
    assert row is not None
    assert float(row["latitude"]) == 23.2  # 23,2 read the Vietnamese way
    # The same tax code again (a double click, a refresh that resends): refused beside the
    # field, and neither a second cooperative nor a second person is written.
    again = await _post(
        official, new, new, **RECORD, display_name="Sùng Thị Mai", login="0987 654 322"
    )
    assert again.status_code == 422
    assert 'aria-invalid="true"' in again.text
    assert await db.fetchval("SELECT count(*) FROM cooperatives WHERE tax_code = '5100112233'") == 1
    assert await db.fetchval("SELECT count(*) FROM users WHERE login = '0987654322'") == 0

    listed = await official.get("/portal/cooperatives?q=Shan")
    assert f"/portal/cooperatives/{row['cooperative_id']}" in listed.text
    assert "/portal/cooperatives/" in (await official.get("/portal/cooperatives")).text


async def test_suspending_locks_its_people_out_until_lifted(
    official: AsyncTestClient[Any],
    web: AsyncTestClient[Any],
    registry: Registry,
    make_user: Any,
    db: asyncpg.Connection,
) -> None:
    page = f"/portal/cooperatives/{registry.cooperative_id}"
    shown = await official.get(page)
    assert shown.status_code == 200
    assert "HTX Anh Tài" in shown.text
    empty = await _post(official, f"{page}/suspend", page, reason=" ")
    assert empty.status_code == 422
    assert 'aria-invalid="true"' in empty.text
    suspended = await _post(official, f"{page}/suspend", page, reason="Vi phạm quy chế tem")
    assert suspended.status_code == 303
    assert "Vi phạm quy chế tem" in (await official.get(page)).text
    staff = await make_user("cooperative", cooperative_id=registry.cooperative_id)
    refused = await sign_in(web, staff)
    assert refused.status_code != 303
    lifted = await _post(official, f"{page}/lift-suspension", page)
    assert lifted.status_code == 303
    assert (
        await db.fetchval(
            "SELECT suspended_at FROM cooperatives WHERE id = $1", registry.cooperative_id
        )
        is None
    )
    assert (await sign_in(web, staff)).status_code == 303


async def test_an_unknown_cooperative_is_the_not_found_page(
    official: AsyncTestClient[Any],
) -> None:
    assert (await official.get("/portal/cooperatives/987654")).status_code == 404


async def test_saving_the_record_unchanged_keeps_its_coordinates(
    official: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    await db.execute(
        "UPDATE cooperatives SET latitude = 22.4525, longitude = 104.8613 WHERE id = $1",
        registry.cooperative_id,
    )
    page = f"/portal/cooperatives/{registry.cooperative_id}"
    shown = (await official.get(page)).text
    assert 'value="22,4525"' in shown  # written the Vietnamese way, in full
    fields = dict(
        re.findall(r'<input id="f-[^"]+" name="([^"]+)" type="[^"]+" value="([^"]*)"', shown)
    )
    fields.pop("reason", None)  # the suspension form's
    fields = {k: html.unescape(v) for k, v in fields.items() if k != "csrf_token"}
    saved = await _post(official, page, page, **fields)
    assert saved.status_code == 303, saved.text
    row = await db.fetchrow(
        "SELECT latitude, longitude FROM cooperatives WHERE id = $1", registry.cooperative_id
    )
    assert (float(row["latitude"]), float(row["longitude"])) == (22.4525, 104.8613)
