"""The consumer pages' two files: the share-location script and the favicon."""

from __future__ import annotations

from litestar import Response, get

from traceability.scanning.page import FAVICON, SHARE_SCRIPT, Asset

_FOR_EVER = "public, max-age=31536000, immutable"
"""The script's URL carries its content hash: a new version is a new URL."""


def _served(asset: Asset, cache: str) -> Response[bytes]:
    return Response(asset.body, media_type=asset.media_type, headers={"Cache-Control": cache})


@get(
    "/assets/share-location.js",
    summary="The scan page's share-location script",
    tags=["scanning"],
    include_in_schema=False,  # a file of the page, like the favicon: not an operation
)
async def share_location_script() -> Response[bytes]:
    return _served(SHARE_SCRIPT, _FOR_EVER)


@get("/favicon.ico", summary="The site icon", tags=["scanning"], include_in_schema=False)
async def favicon() -> Response[bytes]:
    # Browsers ask for it by this fixed name; a day's caching lets a new icon show.
    return _served(FAVICON, "public, max-age=86400")


ASSET_HANDLERS = [share_location_script, favicon]
