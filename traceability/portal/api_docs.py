"""The API documentation page from local files: Swagger UI vendored from its npm package.

Litestar's own page loads Swagger UI from a CDN and starts it with an inline script; this
one serves ``static/vendor/swagger-ui`` and starts it from a file, so it works offline and
under a Content-Security-Policy without ``'unsafe-inline'``.
"""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

from traceability.portal.templating import static_url


class LocalSwaggerUI(OpenAPIRenderPlugin):
    def __init__(self, path: str | list[str] = "/swagger") -> None:
        super().__init__(path=path, media_type=MediaType.HTML)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        from html import escape

        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec = escape(self.get_openapi_json_route(request))
        css = escape(static_url("vendor/swagger-ui/swagger-ui.css"))
        bundle = escape(static_url("vendor/swagger-ui/swagger-ui-bundle.js"))
        preset = escape(static_url("vendor/swagger-ui/swagger-ui-standalone-preset.js"))
        start = escape(static_url("api-docs.js"))
        return (
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{title}</title><link rel='stylesheet' href='{css}'></head><body>"
            f"<div id='swagger-ui' data-spec-url='{spec}'></div>"
            f"<script src='{bundle}'></script><script src='{preset}'></script>"
            f"<script src='{start}'></script></body></html>"
        ).encode()
