"""Batches of GS1 Digital Link stamps: ordered, printed, scanned and verified like compact ones."""

from __future__ import annotations

import io
import zipfile
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from litestar.testing import AsyncTestClient

import stamps
from stamps.render import read_qr_texts
from tests.conftest import PUBLIC_URL, assert_problem
from tests.scanning.helpers import ring_of
from tests.world import Registry, order


async def _gs1_batch(client: AsyncTestClient[Any], registry: Registry, quantity: int = 10) -> Any:
    batch = await order(
        client,
        registry.coop,
        registry.product_id,
        quantity,
        lot_id=registry.lot_id,
        stamp_form="gs1-digital-link",
    )
    assert batch["stamp_form"] == "gs1-digital-link"
    assert len(batch["gtin"]) == 14
    return batch


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_order_print_and_scan_gs1_stamps(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await _gs1_batch(client, registry)
    csv = await client.get(
        f"/api/v1/stamp-batches/{batch['id']}/download?format=csv", headers=registry.coop
    )
    assert csv.status_code == 200, csv.text
    rows = [line.split(",") for line in csv.text.splitlines()[1:]]
    assert len(rows) == 10
    url = rows[0][1]
    assert url.startswith(PUBLIC_URL.upper().replace("HTTPS", "https") + f"/01/{batch['gtin']}/21/")
    assert "?8030=" in url
    assert stamps.verify(url, ring_of(client)).serial == batch["first_serial"]

    scan = await client.get(_path(url), headers={"Accept": "application/json"})
    assert scan.status_code == 200, scan.text
    assert scan.json()["verdict"] == "not_activated"
    await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    page = await client.get(_path(url))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "Cam sành" in page.text
    scan = await client.get(_path(url), headers={"Accept": "application/json"})
    assert scan.json()["verdict"] == "genuine"
    assert scan.json()["serial"] == batch["first_serial"]

    # The same URI still resolves as a GS1 Digital Link for tills and apps.
    links = await client.get(_path(url) + "&linkType=linkset")
    assert links.status_code == 200
    assert links.headers["content-type"].startswith("application/linkset+json")

    tampered = url[:-2] + ("AA" if not url.endswith("AA") else "BA")
    bad = await client.get(_path(tampered), headers={"Accept": "application/json"})
    assert bad.status_code == 404
    assert bad.json()["verdict"] == "not_genuine"


async def test_bulk_verify_takes_both_forms(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await _gs1_batch(client, registry, quantity=3)
    await client.post(
        "/api/v1/stamps/activations", json={"batch_id": batch["id"]}, headers=registry.coop
    )
    ring = ring_of(client)
    gs1 = stamps.issue(batch["first_serial"], ring, gtin=batch["gtin"]).url(PUBLIC_URL)
    wrong_gtin = gs1.replace(f"/01/{batch['gtin']}", "/01/00012345600012")
    answer = await client.post(
        "/api/v1/verify", json={"codes": [gs1, wrong_gtin]}, headers=registry.retailer
    )
    items = answer.json()["items"]
    assert items[0]["status"] == "activated"
    assert items[0]["serial"] == batch["first_serial"]
    assert (items[1]["status"], items[1]["reason"]) == ("invalid", "bad_signature")


async def test_printed_gs1_labels_scan_back(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    batch = await _gs1_batch(client, registry, quantity=4)
    png = await client.get(
        f"/api/v1/stamp-batches/{batch['id']}/download?format=png&page=1", headers=registry.coop
    )
    assert png.status_code == 200, png.text
    body = png.content
    if body.startswith(b"PK"):
        body = zipfile.ZipFile(io.BytesIO(body)).read(
            zipfile.ZipFile(io.BytesIO(body)).namelist()[0]
        )
    texts = read_qr_texts(body)
    assert len(texts) == 4
    ring = ring_of(client)
    assert sorted(stamps.verify(t, ring).serial for t in texts) == list(
        range(batch["first_serial"], batch["first_serial"] + 4)
    )


async def test_a_product_without_gtin_cannot_have_gs1_stamps(
    client: AsyncTestClient[Any], registry: Registry, db: asyncpg.Connection
) -> None:
    answer = await client.post(
        "/api/v1/stamp-batches",
        json={
            "product_id": registry.other_product_id,
            "quantity": 5,
            "stamp_form": "gs1-digital-link",
        },
        headers=registry.other_coop,
    )
    assert_problem(answer, 422)
    answer = await client.post(
        "/api/v1/stamp-batches",
        json={"product_id": registry.product_id, "quantity": 5, "stamp_form": "qr-art"},
        headers=registry.coop,
    )
    assert answer.status_code in (400, 422)
    assert await db.fetchval("SELECT count(*) FROM stamp_batches") == 0
