from __future__ import annotations

import gzip
import re
from html.parser import HTMLParser
from typing import Any

import asyncpg
from litestar.testing import AsyncTestClient

from tests.conftest import PUBLIC_URL
from tests.scanning.helpers import active_batch, path, scan_json, stamp
from tests.world import Registry, order

PAGE_BUDGET = 14 * 1024


class _Checker(HTMLParser):
    """Enough HTML checking for a hand-written page: tags balance, lang is set."""

    VOID = {"meta", "input", "img", "br", "wbr", "link"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.lang: str | None = None
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "html":
            self.lang = dict(attrs).get("lang")
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def check_html(text: str) -> str:
    assert text.startswith("<!DOCTYPE html>")
    checker = _Checker()
    checker.feed(text)
    assert not checker.errors, checker.errors
    assert not checker.stack, checker.stack
    assert checker.lang is not None
    return checker.lang


async def test_genuine_stamp_page_in_vietnamese_then_english(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"] + 7)
    first = await client.get(url)
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/html")
    assert check_html(first.text) == "vi"
    assert "Hàng chính hãng · quét lần đầu" in first.text
    for fact in (
        "Cam sành Hà Giang",
        "HTX Anh Tài",
        "Vĩnh Hảo",
        "Bắc Quang",
        "VN-HG-BQ-VINHHAO-001-23",
        "CS-2024-11",
        "VietGAP",
        "OCOP 4★",
        "TCVN 12828:2019",
        "Cam Anh Tài",
        str(batch["first_serial"] + 7),
    ):
        assert fact in first.text, fact
    assert 'loading="lazy"' in first.text
    # No inline script (the CSP forbids it); the one script is our own served file.
    assert "<script>" not in first.text
    assert re.findall(r'<script src="([^"]+)"', first.text) == [
        "/assets/share-location.js?v=" + first.text.split("share-location.js?v=")[1][:10]
    ]
    second = await client.get(url, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert check_html(second.text) == "en"
    assert "<h1>Genuine</h1>" in second.text
    assert "Scanned 2 times" in second.text
    assert "Hà Giang king orange" in second.text
    third = await client.get(url + "?lang=en", headers={"Accept-Language": "vi"})
    assert "Scanned 3 times" in third.text


async def test_the_printed_qr_url_works_with_upper_case_path(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    printed = stamp(client, batch["first_serial"]).url(PUBLIC_URL)
    assert "/S/" in printed
    answer = await client.get(printed.split(PUBLIC_URL.upper().split("://")[1])[1])
    assert answer.status_code == 200
    assert "Hàng chính hãng" in answer.text


async def test_json_answer(client: AsyncTestClient[Any], registry: Registry) -> None:
    batch = await active_batch(client, registry)
    body = await scan_json(client, path(client, batch["first_serial"]))
    assert body["verdict"] == "genuine_first"
    assert body["serial"] == batch["first_serial"]
    origin = body["origin"]
    assert origin["name_vi"] == "Cam sành Hà Giang"
    assert origin["cooperative"]["district"] == "Bắc Quang"
    assert origin["lot"]["code"] == "CS-2024-11"
    assert origin["lot"]["quantity"] == 1200.0
    assert origin["planting_area"]["name"] == "Đồi cam Khuổi Vài"
    assert [e["kind"] for e in origin["timeline"]] == ["harvest", "packing", "shipping"]
    assert (await scan_json(client, path(client, batch["first_serial"])))["verdict"] == "genuine"


async def test_not_yet_activated_then_activated_by_range_with_a_lot(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await order(client, registry.coop, registry.product_id, 50)
    serial = batch["first_serial"] + 10
    page = await client.get(path(client, serial))
    assert page.status_code == 200
    assert "Tem chưa được kích hoạt" in page.text
    activated = await client.post(
        "/api/v1/stamps/activations",
        json={
            "first_serial": serial,
            "last_serial": serial + 4,
            "assign_lot_id": registry.other_lot_id,
        },
        headers=registry.coop,
    )
    assert activated.status_code == 201, activated.text
    assert activated.json()["stamps"] == 5
    body = await scan_json(client, path(client, serial))
    assert body["verdict"] == "genuine"
    assert body["origin"]["lot"]["code"] == "CS-2024-12"
    outside = await scan_json(client, path(client, serial + 5))
    assert outside["verdict"] == "not_activated"


async def test_revoked_stamp_shows_the_reason(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    serial = batch["first_serial"] + 3
    revoked = await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": serial, "last_serial": serial, "reason": "Lô bị nhiễm nấm mốc"},
        headers=registry.coop,
    )
    assert revoked.status_code == 201, revoked.text
    page = await client.get(path(client, serial))
    assert "Tem đã bị thu hồi" in page.text
    assert "Lô bị nhiễm nấm mốc" in page.text
    assert "Hàng chính hãng" in (await client.get(path(client, serial + 1))).text
    actions = await db.fetch("SELECT action FROM audit_log WHERE entity = 'stamp_batch'")
    assert [a["action"] for a in actions] == ["create", "activate", "revoke"]
    # A lot recall covers every batch of the lot.
    recall = await client.post(
        "/api/v1/stamps/revocations",
        json={"lot_id": registry.lot_id, "reason": "Thu hồi toàn lô"},
        headers=registry.coop,
    )
    assert recall.status_code == 201
    assert recall.json()["stamps"] == 100
    assert (await scan_json(client, path(client, serial + 1)))["verdict"] == "revoked"


async def test_tampered_and_unknown_codes_get_a_friendly_404(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    good = stamp(client, batch["first_serial"]).code
    tampered = good[:-1] + str((int(good[-1]) + 1) % 10)
    for url in ("/s/" + tampered, "/s/not-a-code", "/S/" + "9" * 177):
        answer = await client.get(url)
        assert answer.status_code == 404, url
        assert answer.headers["content-type"].startswith("text/html")
        assert check_html(answer.text) == "vi"
        assert "Không phải tem chính hãng" in answer.text
        assert "Bạn nên làm gì" in answer.text  # what to do next
    # A code cut short (a QR read in part, a link cut in a chat) is not called a fake.
    for url in ("/s/12345", "/s/" + good[:150], "/s/" + good + "0"):
        answer = await client.get(url)
        assert answer.status_code == 404, url
        assert check_html(answer.text) == "vi"
        assert "Đường liên kết chưa đầy đủ" in answer.text
        assert "Hãy quét lại tem" in answer.text
        assert "chính hãng" not in answer.text  # neither "genuine" nor "may not be genuine"
        assert "Không phải tem" not in answer.text
    # Genuinely signed, but the serial was never ordered.
    unknown = await client.get(path(client, batch["last_serial"] + 1000))
    assert unknown.status_code == 404
    assert "Không phải tem chính hãng" in unknown.text
    body = await scan_json(client, "/s/" + tampered)
    assert body == {"verdict": "not_genuine", "reason": "bad_signature"}
    assert await db.fetchval("SELECT count(*) FROM scans WHERE verdict = 'not_genuine'") == 8


async def test_page_fits_in_14_kb_compressed(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    revoked = batch["first_serial"] + 9
    await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": revoked, "last_serial": revoked, "category": "counterfeit"},
        headers=registry.coop,
    )
    # Genuine; revoked, with the report form; forged, with the form, from a hostile link.
    urls = [path(client, batch["first_serial"]), path(client, revoked), "/s/" + "<'\"" * 300]
    for url in urls:
        for lang in ("vi", "en"):
            page = await client.get(url, params={"lang": lang})
            raw = page.content
            assert len(gzip.compress(raw, 9)) <= PAGE_BUDGET
            assert len(gzip.compress(raw, 6)) <= PAGE_BUDGET
            # The whole page, not just what survives compression, stays small.
            assert len(raw) < 3 * PAGE_BUDGET
            served = await client.get(
                url, params={"lang": lang}, headers={"Accept-Encoding": "gzip"}
            )
            assert served.headers.get("content-encoding") == "gzip"
            # The page as sent on the wire (gzip, cached pieces) is one round trip's worth.
            assert int(served.headers["content-length"]) <= PAGE_BUDGET // 2


async def test_scans_recorded_equal_pages_served(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    import asyncio

    batch = await active_batch(client, registry, quantity=30)
    urls = [path(client, batch["first_serial"] + i % 30) for i in range(90)]
    answers = await asyncio.gather(*(client.get(u) for u in urls))
    assert all(a.status_code == 200 for a in answers)
    # Recorded before the page was sent: no waiting needed here.
    assert await db.fetchval("SELECT count(*) FROM scans") == 90
    assert await db.fetchval("SELECT count(*) FROM stamps") == 30
    assert await db.fetchval("SELECT sum(scan_count) FROM stamps") == 90
    assert await db.fetchval("SELECT count(*) FROM scans WHERE verdict = 'genuine_first'") == 30
    # HEAD (link previews) answers without counting.
    head = await client.head(urls[0])
    assert head.status_code == 200
    assert await db.fetchval("SELECT count(*) FROM scans") == 90


async def test_link_previews_are_answered_but_not_counted(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    """A link pasted into a chat is fetched by the app's preview bot: not a scan of the box."""
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    bot = {
        "User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
    }
    for _ in range(3):
        preview = await client.get(url, headers=bot)
        assert preview.status_code == 200
    assert await db.fetchval("SELECT count(*) FROM scans WHERE ua_family = 'preview'") == 3
    assert await db.fetchval("SELECT count(*) FROM stamps") == 0  # no scan counted
    # The person who then opens the link is the stamp's first scan.
    first = await client.get(url, headers={"Accept": "application/json"})
    assert first.json()["verdict"] == "genuine_first"
    assert await db.fetchval("SELECT scan_count FROM stamps") == 1
    analytics = (await client.get("/api/v1/stamps/analytics", headers=registry.coop)).json()
    assert sum(d["scans"] for d in analytics["per_day"]) == 1


async def test_scans_keep_no_address(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    await client.get(
        path(client, batch["first_serial"]),
        params={"lat": "22.8234", "lon": "104.9876"},
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 10) Zalo android/12100731"},
    )
    row = await db.fetchrow("SELECT * FROM scans")
    assert row["ua_family"] == "zalo"
    assert (row["latitude"], row["longitude"]) == (22.8, 105.0)
    # The test client has no IP address; see test_network_hash for real ones.
    assert row["network"] is None
    assert isinstance(row["session"], int)  # a keyed hash of the cookie, not the cookie
    assert row["country"] is None
    assert "testclient" not in str(dict(row))
    assert "127.0.0.1" not in str(dict(row))


async def test_buy_again_counts_the_click(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"])
    page = await client.get(url)
    assert f'href="{url}/buy/{registry.listing_id}"' in page.text
    for _ in range(2):
        answer = await client.get(f"{url}/buy/{registry.listing_id}", follow_redirects=False)
        assert answer.status_code == 302
        assert answer.headers["location"] == "https://voso.vn/cam-sanh-ha-giang"
    assert await db.fetchval("SELECT sum(clicks) FROM listing_clicks") == 2
    assert (await client.get(f"{url}/buy/999999", follow_redirects=False)).status_code == 404


async def test_gzip_scan_page_is_the_page(client: AsyncTestClient[Any], registry: Registry) -> None:
    batch = await active_batch(client, registry)
    url = path(client, batch["first_serial"] + 3)
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert "Accept-Encoding" not in plain.headers["vary"]
    packed = await client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept, Accept-Language, Accept-Encoding"
    # The client decodes gzip: the same page, one scan later.
    assert "Hàng chính hãng · quét lần đầu" in plain.text
    assert "Đã quét 2 lần" in packed.text
    assert check_html(packed.text) == "vi"
    assert (
        packed.text.split("</title>")[1].split("<main>")[0]
        == plain.text.split("</title>")[1].split("<main>")[0]
    )
    assert packed.text.split("</div>", 1)[1] == plain.text.split("</div>", 1)[1]
    json_answer = await client.get(
        url, headers={"Accept": "application/json", "Accept-Encoding": "gzip"}
    )
    assert json_answer.json()["scan_count"] == 3


async def test_only_the_canonical_scan_paths_name_a_stamp(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await active_batch(client, registry)
    code = stamp(client, batch["first_serial"]).code
    assert (await client.get(f"/S/{code}")).status_code == 200
    assert (await client.get(f"/s/{code}?lang=en")).status_code == 200
    for bent in (f"/S//{code}", f"/s/{code}/", f"/s/%20{code}", f"/s/{code}%0A", f"/S/%2F{code}"):
        for accept in ("text/html", "application/json"):
            answer = await client.get(bent, headers={"Accept": accept}, follow_redirects=False)
            assert answer.status_code == 404, (bent, accept, answer.status_code)
            if accept == "application/json":
                assert answer.json()["verdict"] == "not_genuine"


async def test_the_page_shows_every_field_of_the_circular_02_record(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    """Circular 02/2024/TT-BKHCN: what the record holds, a consumer reads on the stamp's page."""
    batch = await active_batch(client, registry)
    page = (await client.get(path(client, batch["first_serial"]))).text
    record = (await client.get(f"/api/v1/lots/{registry.lot_id}/circular-02")).json()
    product, producer, lot = record["product"], record["producer"], record["lot"]
    vietnamese_day = "{2}/{1}/{0}".format  # 2024-11-05 -> 05/11/2024
    gtin = product["gtin"]
    shown = [
        product["name"],
        *product["images"],
        product["brand"],
        gtin,
        product["applied_standards"],
        producer["name"],
        producer["commune"],
        producer["province"],
        lot["code"],
        f"(01){gtin}(10){lot['code']}",  # the lot's trace code, as GS1 element strings
        vietnamese_day(*lot["production_time"].split("-")),
        vietnamese_day(*lot["expires_on"].split("-")),
        lot["planting_area_code"],
        str(batch["first_serial"]),
        *(stage["stage_name"] for stage in record["stages"]),
        *(stage["place"] for stage in record["stages"]),
    ]
    text = re.sub(r"<span[^>]*>|</span>|<wbr>", "", page)  # as it reads
    missing = [value for value in shown if value not in text]
    assert missing == []
    assert f'href="/api/v1/lots/{registry.lot_id}/circular-02?format=csv"' in page
