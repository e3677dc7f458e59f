from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from tests.conftest import assert_problem


async def test_healthz_and_readyz(client: AsyncTestClient[Any]) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"


async def test_openapi_document_is_31_and_lists_the_api(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert any(path.startswith("/api/v1/") for path in document["paths"])


async def test_unknown_path_is_problem_details(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.get("/api/v1/nothing-here"), 404)


async def test_api_needs_a_key(client: AsyncTestClient[Any]) -> None:
    assert_problem(await client.get("/api/v1/api-keys"), 401)
    body = assert_problem(
        await client.get("/api/v1/api-keys", headers={"Authorization": "Bearer tsk_nope"}), 401
    )
    assert "not known" in body["detail"]


async def test_whoami(client: AsyncTestClient[Any], authority: dict[str, str]) -> None:
    response = await client.get("/api/v1/api-keys/me", headers=authority)
    assert response.status_code == 200
    assert response.json()["role"] == "authority"


async def test_openapi_documents_problem_responses(client: AsyncTestClient[Any]) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert "ProblemDetails" in document["components"]["schemas"]
    create = document["paths"]["/api/v1/cooperatives"]["post"]["responses"]
    for status in ("400", "401", "403", "409", "422"):
        assert "application/problem+json" in create[status]["content"], status
    resolve = document["paths"]["/01/{path}"]["get"]["responses"]
    assert {"400", "404"} <= set(resolve)


async def test_method_not_allowed_says_what_is_allowed(client: AsyncTestClient[Any]) -> None:
    response = await client.delete("/healthz")
    assert_problem(response, 405)
    assert "GET" in response.headers["allow"]
