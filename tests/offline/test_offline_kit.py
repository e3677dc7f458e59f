"""The offline kit: signed revocation list and manifest, and verdicts that agree with online."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from stamps import KeyRing, issue
from stamps.keys import read_jwks
from stamps.offline import Manifest, RevocationList, check_offline
from stamps.signed import REVOCATIONS_TYPE, InvalidDocument, open_document
from tests.conftest import PUBLIC_URL
from tests.scanning.helpers import active_batch, stamp
from tests.world import Registry, order

REVOCATIONS = "/.well-known/stamps/revocations.json"
MANIFEST = "/.well-known/stamps/manifest.json"


async def _recalled_lot(client: AsyncTestClient[Any], registry: Registry) -> list[str]:
    """Stamps of a lot that is then recalled: ordered for it, or named for it at activation
    inside a batch ordered for another lot; and a neighbour of the other lot."""
    recall_lot = registry.other_lot_id
    ordered = await order(client, registry.coop, registry.product_id, 3, lot_id=recall_lot)
    mixed = await order(client, registry.coop, registry.product_id, 6, lot_id=registry.lot_id)
    for selection in (
        {"batch_id": ordered["id"]},
        {"first_serial": mixed["first_serial"], "last_serial": mixed["first_serial"] + 2},
        {
            "first_serial": mixed["first_serial"] + 3,
            "last_serial": mixed["last_serial"],
            "assign_lot_id": recall_lot,
        },
    ):
        activated = await client.post(
            "/api/v1/stamps/activations", json=selection, headers=registry.coop
        )
        assert activated.status_code == 201, activated.text
    recalled = await client.post(
        f"/api/v1/lots/{recall_lot}/recall",
        json={"reason": "Phát hiện dư lượng thuốc BVTV"},
        headers=registry.coop,
    )
    assert recalled.status_code == 201, recalled.text
    return [
        stamp(client, ordered["first_serial"] + 1).code,
        stamp(client, mixed["last_serial"]).code,
        stamp(client, mixed["first_serial"] + 2).code,
    ]


async def _mixed_delivery(client: AsyncTestClient[Any], registry: Registry) -> list[str]:
    """Genuine, revoked alone, revoked with its whole batch, not activated, tampered, unknown,
    then two stamps of a recalled lot and one of the same batch not recalled."""
    batch = await active_batch(client, registry, quantity=20)
    first = batch["first_serial"]
    await client.post(
        "/api/v1/stamps/revocations",
        json={"first_serial": first + 1, "last_serial": first + 1, "reason": "Tem hỏng, đã thay"},
        headers=registry.coop,
    )
    recalled = await active_batch(client, registry, quantity=5)
    await client.post(
        "/api/v1/stamps/revocations",
        json={
            "first_serial": recalled["first_serial"],
            "last_serial": recalled["last_serial"],
            "reason": "Thu hồi lô hàng",
            "category": "recalled",
        },
        headers=registry.coop,
    )
    inactive = await order(client, registry.coop, registry.product_id, 5)
    good = stamp(client, first).url(PUBLIC_URL)
    return [
        good,
        stamp(client, first + 2).code,
        stamp(client, first + 1).code,
        stamp(client, recalled["first_serial"] + 3).code,
        stamp(client, inactive["first_serial"]).code,
        good[:-1] + str((int(good[-1]) + 1) % 10),
        issue(first, KeyRing.generate()).code,
        stamp(client, inactive["last_serial"] + 1000).code,
        "S/12345",
        *await _recalled_lot(client, registry),
    ]


async def test_documents_are_signed_public_and_cacheable(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    await _mixed_delivery(client, registry)
    jwks = (await client.get("/.well-known/jwks.json")).json()
    ring, problems = read_jwks(jwks)
    assert problems == []
    for url in (REVOCATIONS, MANIFEST, f"{MANIFEST}?cooperative={registry.cooperative_id}"):
        answer = await client.get(url, headers={"Origin": "https://sieuthi.example"})
        assert answer.status_code == 200, answer.text
        assert answer.headers["access-control-allow-origin"] == "*"
        assert "public" in answer.headers["cache-control"]
        again = await client.get(url, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code in (200, 304)  # new issue time, new ETag, or the same
    revocations = RevocationList.open((await client.get(REVOCATIONS)).content, ring)
    assert revocations.issuer == PUBLIC_URL
    assert timedelta(hours=23) < revocations.next_update - revocations.issued_at
    assert len(revocations.ranges) == 2
    assert len(revocations.recalls) == 2  # the lot's own batch, and its run in another
    manifest = Manifest.open((await client.get(MANIFEST)).content, ring)
    assert manifest.complete


async def test_a_tampered_or_misused_document_is_refused(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    ring, _ = read_jwks((await client.get("/.well-known/jwks.json")).json())
    document = (await client.get(REVOCATIONS)).json()
    open_document(document, ring, REVOCATIONS_TYPE)
    payload = json.loads(
        __import__("base64").urlsafe_b64decode(document["payload"] + "==").decode()
    )
    payload["revoked"] = []
    forged = {
        **document,
        "payload": __import__("base64")
        .urlsafe_b64encode(json.dumps(payload).encode())
        .rstrip(b"=")
        .decode(),
    }
    with pytest.raises(InvalidDocument, match="signature"):
        RevocationList.open(forged, ring)
    manifest = (await client.get(MANIFEST)).content
    with pytest.raises(InvalidDocument, match="hagiang-revocations"):
        RevocationList.open(manifest, ring)  # a manifest cannot pass as a revocation list
    with pytest.raises(InvalidDocument, match="not in the key set"):
        RevocationList.open(document, KeyRing.generate().public_only())


async def test_a_cooperatives_manifest_holds_only_its_batches(
    client: AsyncTestClient[Any], registry: Registry
) -> None:
    mine = await active_batch(client, registry, quantity=3)
    theirs = await order(client, registry.other_coop, registry.other_product_id, 3)
    ring, _ = read_jwks((await client.get("/.well-known/jwks.json")).json())
    narrowed = Manifest.open(
        (await client.get(f"{MANIFEST}?cooperative={registry.cooperative_id}")).content, ring
    )
    assert not narrowed.complete
    assert narrowed.ranges.find(mine["first_serial"]) is not None
    assert narrowed.ranges.find(theirs["first_serial"]) is None
    assert (await client.get(f"{MANIFEST}?cooperative=abc")).status_code == 400


async def test_online_and_offline_verdicts_agree(
    client: AsyncTestClient[Any], registry: Registry, tmp_path: Path
) -> None:
    codes = await _mixed_delivery(client, registry)
    online = await client.post("/api/v1/verify", json={"codes": codes}, headers=registry.retailer)
    online_items = online.json()["items"]
    jwks = (await client.get("/.well-known/jwks.json")).content
    revocations = (await client.get(REVOCATIONS)).content
    manifest = (await client.get(MANIFEST)).content
    ring, _ = read_jwks(jwks)
    now = datetime.now(UTC)
    offline = [
        check_offline(
            code, ring, now, RevocationList.open(revocations, ring), Manifest.open(manifest, ring)
        )
        for code in codes
    ]
    assert [v.status for v in offline] == [i["status"] for i in online_items]
    assert [v.status for v in offline] == [
        "activated",
        "activated",
        "revoked",
        "revoked",
        "not_activated",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "revoked",
        "revoked",
        "activated",
    ]
    assert offline[2].reason == "Tem hỏng, đã thay"
    assert offline[3].reason == "Thu hồi lô hàng"
    assert [(v.reason, v.category) for v in offline[3:4] + offline[9:11]] == [
        (i["revocation_reason"], i["revocation_category"])
        for i in online_items[3:4] + online_items[9:11]
    ]
    assert (offline[9].category, offline[9].reason) == ("recalled", "Phát hiện dư lượng thuốc BVTV")
    assert offline[9].lot == offline[10].lot == "CS-2024-12" != offline[11].lot
    assert offline[0].product == online_items[0]["product_name"]
    assert offline[0].cooperative == online_items[0]["cooperative_name"]
    assert offline[0].lot == online_items[0]["lot_code"]
    # And through the command line, with the files a dock would have downloaded.
    for name, body in (("jwks", jwks), ("rev", revocations), ("man", manifest)):
        (tmp_path / f"{name}.json").write_bytes(body)
    codes_file = tmp_path / "delivery.txt"
    codes_file.write_text("\n".join(codes) + "\n")
    run = subprocess.run(  # noqa: ASYNC221 - a short offline CLI run
        [
            sys.executable,
            "-m",
            "stamps",
            "verify",
            str(codes_file),
            "--keys",
            str(tmp_path / "jwks.json"),
            "--revocations",
            str(tmp_path / "rev.json"),
            "--manifest",
            str(tmp_path / "man.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    body = json.loads(run.stdout)
    assert [i["status"] for i in body["items"]] == [i["status"] for i in online_items]
    assert body["revocations"]["checked"] is True
    text = subprocess.run(  # noqa: ASYNC221 - a short offline CLI run
        [
            sys.executable,
            "-m",
            "stamps",
            "verify",
            codes[2],
            codes[0],
            "--keys",
            str(tmp_path / "jwks.json"),
            "--revocations",
            str(tmp_path / "rev.json"),
            "--manifest",
            str(tmp_path / "man.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout.splitlines()
    assert text[0].endswith("REVOKED (Tem hỏng, đã thay) serial=" + text[0].split("serial=")[1])
    assert "GENUINE" in text[1]
    assert 'product="Cam sành Hà Giang"' in text[1]
    assert text[-1] == "2 codes: 1 revoked, 1 genuine"
    recalled_line = subprocess.run(  # noqa: ASYNC221 - a short offline CLI run
        [
            sys.executable, "-m", "stamps", "verify", codes[9],
            "--keys", str(tmp_path / "jwks.json"),
            "--revocations", str(tmp_path / "rev.json"),
        ],
        capture_output=True, text=True, timeout=60, check=False,
    ).stdout.splitlines()[0]  # fmt: skip
    assert recalled_line.startswith("REVOKED: LOT RECALLED (Phát hiện dư lượng thuốc BVTV)")


def test_an_overdue_list_is_flagged(tmp_path: Path) -> None:
    from stamps.offline import MANIFEST_FORMAT, REVOCATIONS_FORMAT
    from stamps.signed import MANIFEST_TYPE, sign_document, utc_text

    ring = KeyRing.generate()
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    document = sign_document(
        {
            "format": REVOCATIONS_FORMAT,
            "issuer": PUBLIC_URL,
            "issued_at": utc_text(long_ago),
            "next_update": utc_text(long_ago + timedelta(hours=24)),
            "revoked_keys": [],
            "revoked": [],
        },
        ring,
        REVOCATIONS_TYPE,
    )
    revocations = RevocationList.open(document, ring)
    code = issue(3, ring).code
    verdict = check_offline(code, ring, datetime.now(UTC), revocations)
    assert (verdict.status, verdict.revocations_overdue) == ("genuine", True)
    (tmp_path / "jwks.json").write_text(json.dumps(ring.to_jwks()))
    (tmp_path / "rev.json").write_text(json.dumps(document))
    manifest = sign_document(
        {
            "format": MANIFEST_FORMAT,
            "issuer": PUBLIC_URL,
            "issued_at": utc_text(long_ago),
            "next_update": utc_text(long_ago),
            "cooperative_id": None,
            "ranges": [],
        },
        ring,
        MANIFEST_TYPE,
    )
    (tmp_path / "man.json").write_text(json.dumps(manifest))
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "stamps",
            "verify",
            code,
            "--keys",
            str(tmp_path / "jwks.json"),
            "--revocations",
            str(tmp_path / "rev.json"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "overdue" in run.stdout
    assert "overdue" in run.stderr
    # A complete manifest that does not know the serial: not a stamp of any batch.
    unknown = check_offline(
        code, ring, datetime.now(UTC), revocations, Manifest.open(manifest, ring)
    )
    assert (unknown.status, unknown.reason) == ("invalid", "unknown_serial")
