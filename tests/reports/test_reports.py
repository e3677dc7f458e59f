"""Report a fake: a short form on the pages of forged, suspicious and revoked stamps."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from PIL import Image

from tests.conftest import assert_problem
from tests.scanning.helpers import active_batch, path
from tests.scanning.test_scan_page import check_html
from tests.world import Registry
from traceability.app import create_app
from traceability.settings import Settings

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
FORGED = "/s/" + "4" * 177
HOSTILE = '"><script>alert(1)</script>'


def photo_with_metadata() -> bytes:
    """A phone photo: 800×600, EXIF saying where it was taken and that it is turned."""
    image = Image.new("RGB", (800, 600), (200, 40, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # orientation: rotate 90° to show upright
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (22.0, 48.0, 0.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _send(
    client: AsyncTestClient[Any],
    url: str,
    fields: dict[str, str],
    photo: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    files = (
        {"photo": ("IMG_0042.jpg", photo, "image/jpeg")}
        if photo is not None
        else {
            "photo": ("", b"", "application/octet-stream")  # the file input left empty
        }
    )
    return await client.post(
        url + "/report",
        data=fields,
        files=files,
        headers=headers or BROWSER,
        follow_redirects=False,
    )


async def test_a_forged_stamp_is_reported_with_a_photo(
    client: AsyncTestClient[Any], db: asyncpg.Connection, authority: dict[str, str]
) -> None:
    page = await client.get(FORGED, headers=BROWSER)
    assert page.status_code == 404
    assert f'action="{FORGED}/report"' in page.text
    assert 'enctype="multipart/form-data"' in page.text
    sent = await _send(
        client,
        FORGED,
        {
            "problem": "Tem bóc ra dán lại được, \r\nmàu in nhạt " + HOSTILE,
            "where": "Chợ Hà Giang, quầy số 12",
            "phone": "0912 345 678",
            "lang": "vi",
        },
        photo_with_metadata(),
    )
    assert sent.status_code == 303, sent.text
    report_id = await db.fetchval("SELECT id FROM consumer_reports")
    assert sent.headers["location"] == f"{FORGED}/report?sent={report_id}&lang=vi"
    thanks = await client.get(sent.headers["location"], headers=BROWSER)
    assert thanks.status_code == 200
    assert check_html(thanks.text) == "vi"
    assert f"báo cáo số {report_id}" in thanks.text
    row = await db.fetchrow("SELECT * FROM consumer_reports")
    assert row["code"] == "4" * 177
    assert row["verdict"] == "not_genuine"
    assert row["reason"] in ("malformed", "unknown_key")
    assert row["serial"] is None
    assert row["problem"] == "Tem bóc ra dán lại được, \nmàu in nhạt " + HOSTILE
    assert row["bought_at"] == "Chợ Hà Giang, quầy số 12"
    assert row["phone"] == "0912 345 678"
    stored = Image.open(io.BytesIO(row["photo"]))
    assert stored.format == "JPEG"
    assert stored.size == (600, 800)  # turned upright
    assert dict(stored.getexif()) == {}  # no maker, no place: nothing from the phone
    assert row["client_hash"] is None or len(row["client_hash"]) == 24

    listed = (await client.get("/api/v1/consumer-reports", headers=authority)).json()
    (item,) = listed["items"]
    assert item["id"] == report_id
    assert item["problem"] == row["problem"]
    assert item["photo_url"] == f"/api/v1/consumer-reports/{report_id}/photo"
    image = await client.get(item["photo_url"], headers=authority)
    assert image.headers["content-type"] == "image/jpeg"
    assert image.content == row["photo"]


async def test_a_suspicious_or_revoked_stamp_is_reported_with_its_serial(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    serial = batch["first_serial"] + 4
    await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": serial, "last_serial": serial, "category": "counterfeit"},
        headers=registry.coop,
    )
    url = path(client, serial)
    assert f'action="{url}/report"' in (await client.get(url)).text
    sent = await _send(client, url, {"problem": "Hàng giả", "lang": "en"})
    assert sent.status_code == 303
    row = await db.fetchrow("SELECT * FROM consumer_reports")
    assert (row["serial"], row["batch_id"], row["verdict"]) == (serial, batch["id"], "revoked")
    assert (row["language"], row["photo"], row["phone"]) == ("en", None, None)
    # A genuine stamp's page has no form, but the stamp can still be reported (a link shared).
    genuine = await client.get(path(client, serial + 1))
    assert "/report" not in genuine.text


async def test_mistakes_are_shown_beside_their_fields_and_nothing_is_stored(
    client: AsyncTestClient[Any], db: asyncpg.Connection
) -> None:
    answer = await _send(
        client,
        FORGED,
        {"problem": "  ", "where": "x" * 201, "phone": "call me " + HOSTILE, "lang": "vi"},
        b"this is not an image",
    )
    assert answer.status_code == 422
    assert check_html(answer.text) == "vi"
    for message in (
        "Hãy cho biết điều gì không ổn.",
        "Tối đa 200 ký tự.",
        "Số điện thoại không hợp lệ",
        "Ảnh phải là JPEG, PNG hoặc WebP",
    ):
        assert message in answer.text, message
    assert 'aria-invalid="true" aria-describedby="phone-e"' in answer.text
    # What was typed comes back (escaped), so nobody types it twice.
    assert "call me &#34;&gt;&lt;script&gt;" in answer.text
    assert "<script>alert" not in answer.text
    assert await db.fetchval("SELECT count(*) FROM consumer_reports") == 0
    as_json = await _send(client, FORGED, {"problem": ""}, headers={"Accept": "application/json"})
    body = assert_problem(as_json, 422)
    assert body["errors"] == [{"field": "problem", "message": "Please say what is wrong."}]


async def test_a_double_click_sends_one_report_and_a_network_is_rate_limited(
    settings: Settings, db: asyncpg.Connection
) -> None:
    app = create_app(replace(settings, reports_per_network_per_hour=3))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        first = await _send(client, FORGED, {"problem": "Giả"})
        again = await _send(client, FORGED, {"problem": "Giả"})
        assert first.headers["location"] == again.headers["location"]
        for n in (2, 3):
            assert (await _send(client, FORGED, {"problem": f"Giả {n}"})).status_code == 303
        limited = await _send(client, FORGED, {"problem": "Giả 4"})
        assert limited.status_code == 429
        assert 0 < int(limited.headers["retry-after"]) <= 3600
        assert "Vui lòng thử lại sau" in limited.text
        as_json = {"Accept": "application/json"}
        assert_problem(await _send(client, FORGED, {"problem": "Giả 5"}, headers=as_json), 429)
    assert await db.fetchval("SELECT count(*) FROM consumer_reports") == 3


async def test_reports_are_the_authoritys_to_read(
    client: AsyncTestClient[Any], registry: Registry, authority: dict[str, str]
) -> None:
    for n in range(5):
        assert (await _send(client, FORGED, {"problem": f"Giả {n}"})).status_code == 303
    for headers in (registry.coop, registry.retailer):
        assert_problem(await client.get("/api/v1/consumer-reports", headers=headers), 403)
    assert_problem(await client.get("/api/v1/consumer-reports"), 401)
    first = (await client.get("/api/v1/consumer-reports?limit=2", headers=authority)).json()
    assert [r["problem"] for r in first["items"]] == ["Giả 4", "Giả 3"]  # newest first
    rest = await client.get(
        f"/api/v1/consumer-reports?limit=10&cursor={first['next_cursor']}", headers=authority
    )
    assert [r["problem"] for r in rest.json()["items"]] == ["Giả 2", "Giả 1", "Giả 0"]
    one = first["items"][0]
    got = await client.get(f"/api/v1/consumer-reports/{one['id']}", headers=authority)
    assert got.json() == one
    assert_problem(await client.get("/api/v1/consumer-reports/999999", headers=authority), 404)
    assert_problem(
        await client.get(f"/api/v1/consumer-reports/{one['id']}/photo", headers=authority), 404
    )


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_the_form_on_its_own_page(client: AsyncTestClient[Any], lang: str) -> None:
    """Where an incomplete link's "still not working?" leads."""
    page = await client.get(f"/s/12345/report?lang={lang}", headers=BROWSER)
    assert page.status_code == 200
    assert check_html(page.text) == lang
    assert 'action="/s/12345/report"' in page.text
    incomplete = await client.get("/s/12345", headers=BROWSER)
    assert 'href="/s/12345/report?lang=vi"' in incomplete.text
