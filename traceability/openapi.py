"""Every error the API can answer, in the OpenAPI document: RFC 9457 problem details.

Litestar documents what a handler returns, not what the one error handler may answer for
it, so client generators (and schemathesis) would not know a 404 or a 422 is expected.
This adds the problem responses each kind of operation can give, once, at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import BaseRoute, HTTPRoute

from traceability.errors import PROBLEM_JSON

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="RFC 9457 problem details",
    required=["type", "title", "status", "detail"],
    properties={
        "type": Schema(type=OpenAPIType.STRING, format="uri"),  # type: ignore[arg-type]
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "instance": Schema(type=OpenAPIType.STRING),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
    },
)

_MEANINGS = {
    "400": "The request is malformed (syntax, types, unknown fields, bad encoding).",
    "401": "No valid API key.",
    "403": "This key's role may not do that.",
    "404": "No such record, or not one this key may see.",
    "409": "Conflicts with an existing record.",
    "413": "Too large.",
    "422": "Well-formed, but breaks a rule of the registry.",
    "429": "Too many attempts; see Retry-After.",
    "503": "The database is unavailable or busy; try again after Retry-After.",
}


_HTML = "text/html"
_CONSUMER_PAGES = ("/s/", "/S/", "/p/")


def _statuses(path: str, method: str) -> list[str]:
    if path.startswith(("/01/", "/p/")) or path == "/{path}":  # a compressed Digital Link
        return ["400", "404", "503"]
    if path.startswith(("/s/", "/S/")):
        # A form posted from a stamp's page (PIN, report a fake) may be refused as a page (422).
        return ["400", "404", "422", "429", "503"] if method == "post" else ["400", "404", "503"]
    if not path.startswith("/api/v1/"):
        return []
    statuses = ["400", "401", "403", "404", "422", "503"]
    if method in ("post", "patch", "delete"):
        statuses.append("409")  # a read that can conflict says so itself: declare_conflicts
    if method in ("post", "patch", "put"):
        statuses.append("413")  # every body is bounded (inputs.MAX_BODY_BYTES)
    return statuses


def _handled_operations(app: Any) -> Iterator[tuple[Any, Operation]]:
    """Each route handler with every operation of the document it serves."""
    paths = app.openapi_schema.paths or {}
    for route in app.routes:
        item = paths.get(route.path_format or "/")
        if item is None:
            continue
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                operation = getattr(item, method.lower(), None)
                if operation is not None:
                    yield handler, operation


def declare_bearer(app: Any) -> None:
    """Operations behind a guard (or taking the caller) say they need the key
    (``security: bearer``), so the docs page's "Authorize" sends it and "Try it out" works."""
    for handler, operation in _handled_operations(app):
        if handler.resolve_guards() or "principal" in handler.parsed_fn_signature.parameters:
            operation.security = [{"bearer": []}]


def declare_optional_bodies(app: Any) -> None:
    """A handler whose ``data`` may be left out (``JSONBody[X | None] = None``, like an order's
    cancellation with no reason) says so: Litestar marks every request body required."""
    for handler, operation in _handled_operations(app):
        data = handler.parsed_fn_signature.parameters.get("data")
        body = operation.request_body
        if data is not None and data.is_optional and isinstance(body, RequestBody):
            body.required = False


def declare_conflicts(app: Any) -> None:
    """A read that may answer 409 says why in its handler's ``opt["conflicts"]`` (writes are
    all documented with one): the problem response carries that reason."""
    reference = Reference(ref="#/components/schemas/ProblemDetails")
    for handler, operation in _handled_operations(app):
        why = handler.opt.get("conflicts")
        if why:
            responses = operation.responses if operation.responses is not None else {}
            responses["409"] = OpenAPIResponse(
                description=why, content={PROBLEM_JSON: OpenAPIMediaType(schema=reference)}
            )
            operation.responses = responses


def _problem(status: str, path: str, reference: Reference) -> OpenAPIResponse:
    content = {PROBLEM_JSON: OpenAPIMediaType(schema=reference)}
    if path.startswith(_CONSUMER_PAGES):
        # A phone gets a page it can read ("not genuine", "no such product"), not JSON.
        content[_HTML] = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING))
    return OpenAPIResponse(description=_MEANINGS[status], content=content)


def document_problems(openapi: OpenAPI) -> None:
    components = openapi.components
    if isinstance(components, list) or components is None:  # Litestar always gives one
        return
    components.schemas = {**(components.schemas or {}), "ProblemDetails": PROBLEM_SCHEMA}
    reference = Reference(ref="#/components/schemas/ProblemDetails")
    for path, item in (openapi.paths or {}).items():
        for method in ("get", "head", "post", "patch", "put", "delete"):
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            statuses = _statuses(path, method)
            if "400" in responses:
                # Litestar's own 400 describes its ValidationException body, which our
                # handler never sends: ours replaces it, on every operation.
                statuses = [*statuses, "400"]
            for status in statuses:
                existing = responses.get(status)
                if status == "400" or existing is None:
                    responses[status] = _problem(status, path, reference)
                elif isinstance(existing, OpenAPIResponse) and existing.content is not None:
                    # A handler documents its own answer for this status: the error handler
                    # may still answer it with problem details.
                    existing.content.setdefault(PROBLEM_JSON, OpenAPIMediaType(schema=reference))
            operation.responses = responses


def document_media_types(openapi: OpenAPI, routes: Iterable[BaseRoute]) -> None:
    """A handler that answers files in several formats lists them in ``opt["media_types"]``.

    Litestar documents one media type per handler; a download answers PDF, PNG, a zip or CSV.
    """
    for route in routes:
        if not isinstance(route, HTTPRoute):
            continue
        item = (openapi.paths or {}).get(route.path_format or "/")
        for method, (handler, _) in route.route_handler_map.items():
            media_types = handler.opt.get("media_types")
            operation = getattr(item, method.lower(), None) if item else None
            if not media_types or operation is None or not operation.responses:
                continue
            ok = operation.responses.get("200")
            if isinstance(ok, OpenAPIResponse):
                # A format the handler documents itself (a JSON record's schema) is kept.
                binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
                documented = ok.content or {}
                ok.content = {
                    media: documented.get(media) or OpenAPIMediaType(schema=binary)
                    for media in media_types
                }


__all__ = [
    "Components",
    "declare_bearer",
    "declare_conflicts",
    "declare_optional_bodies",
    "document_media_types",
    "document_problems",
]
