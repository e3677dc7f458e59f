"""The OpenAPI document says what the service answers (faults the Schemathesis run found)."""

from __future__ import annotations

import re
from typing import Any

from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from traceability.errors import PROBLEM_JSON


async def test_options_allows_every_method_of_its_path(
    client: AsyncTestClient[Any], authority: dict[str, str]
) -> None:
    """Every route, from the app itself: ``Allow`` lists all its methods, not the first one's."""
    checked = 0
    for route in client.app.routes:
        if not isinstance(route, HTTPRoute) or "{" in route.path or "gs1" in route.path:
            continue  # parameters: checked below on one; the GS1 resolver answers OPTIONS itself
        answer = await client.options(route.path, headers=authority)
        if answer.status_code != 204:
            continue
        assert set(answer.headers["allow"].split(", ")) == route.methods, route.path
        checked += 1
    answer = await client.options("/api/v1/lots/1", headers=authority)
    assert set(answer.headers["allow"].split(", ")) == {"GET", "PATCH", "DELETE", "OPTIONS"}
    assert checked >= 10


async def test_the_document_names_the_media_types_sent(client: AsyncTestClient[Any]) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def media(path: str, method: str, status: str) -> set[str]:
        return set(paths[path][method]["responses"][status]["content"])

    assert media("/.well-known/jwks.json", "get", "200") == {"application/jwk-set+json"}
    assert media("/.well-known/stamps/manifest.json", "get", "200") == {"application/jose+json"}
    assert media("/api/v1/lots/{lot_id}/epcis", "get", "200") == {"application/ld+json"}
    download = media("/api/v1/stamp-batches/{batch_id}/download", "get", "200")
    assert {"application/pdf", "application/zip", "image/png", "text/csv"} <= download
    # Consumer pages answer errors as pages; the API as problem details, 400s included.
    assert media("/s/{code}", "get", "404") == {PROBLEM_JSON, "text/html"}
    for path, item in paths.items():
        for method, operation in item.items():
            if "400" in operation.get("responses", {}):
                assert PROBLEM_JSON in media(path, method, "400"), (method, path)
            if path.startswith("/api/v1/") and method in ("post", "patch"):
                assert "413" in operation["responses"], (method, path)
    # Circular 02 records: JSON described as an object (not a string), or CSV.
    for record in (
        "/api/v1/products/{product_id}/circular-02",
        "/api/v1/lots/{lot_id}/circular-02",
    ):
        content = paths[record]["get"]["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv"}, record
        assert content["application/json"]["schema"]["type"] == "object", record
    # The report-a-fake form is a page; refusing what it was sent is a page too (422).
    assert media("/s/{code}/report", "get", "200") == {"text/html"}
    assert "422" in paths["/s/{code}/report"]["post"]["responses"]
    assert "/assets/share-location.js" not in paths  # a file of the page, not an operation
    # Ordering again with the same Idempotency-Key answers the first batch with a 200.
    order = paths["/api/v1/stamp-batches"]["post"]["responses"]
    assert {"200", "201"} <= set(order), order.keys()
    jwks = paths["/.well-known/jwks.json"]["get"]["responses"]["200"]["content"]
    assert re.search(r"PublicKeySet", str(jwks))


async def test_a_read_that_conflicts_says_why(client: AsyncTestClient[Any]) -> None:
    """Writes may all answer 409; of the reads, only those that declare a conflict (a cancelled
    order's print files), with the reason a client generator shows."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    download = paths["/api/v1/stamp-batches/{batch_id}/download"]["get"]["responses"]["409"]
    assert "cancelled" in download["description"]
    assert set(download["content"]) == {PROBLEM_JSON}
    reads_that_conflict = sorted(
        path for path, item in paths.items() if "409" in item.get("get", {}).get("responses", {})
    )
    assert reads_that_conflict == ["/api/v1/stamp-batches/{batch_id}/download"]
