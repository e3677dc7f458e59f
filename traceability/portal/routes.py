"""The portal's routers: public pages at ``/``, the portal under ``/portal``, static files.

Every page router gets the same dependencies (``viewer``, ``person``), the CSRF check on
every form post, and HTML error pages. A workspace adds its page handlers to ``PORTAL``.
"""

from __future__ import annotations

from typing import Any

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

from traceability.portal.pages import (
    account,
    activation,
    api_keys,
    areas,
    auth,
    cases,
    chains,
    cooperatives,
    home,
    keys,
    lots,
    orders,
    products,
    public,
    receiving,
    reports,
    stamps,
    stores,
    subsidy,
    users,
)
from traceability.portal.templating import STATIC, STATIC_PREFIX
from traceability.portal.web import DEPENDENCIES, require_csrf

PORTAL: list[Any] = [
    *auth.HANDLERS,
    *home.HANDLERS,
    *account.HANDLERS,
    *api_keys.HANDLERS,
    *users.HANDLERS,
    # The workspaces' page handlers go here (cooperative, authority, retailer).
    *receiving.HANDLERS,
    *stores.HANDLERS,
    *chains.HANDLERS,
    *cooperatives.HANDLERS,
    *subsidy.HANDLERS,
    *cases.HANDLERS,
    *keys.HANDLERS,
    *reports.HANDLERS,
    *products.HANDLERS,
    *areas.HANDLERS,
    *lots.HANDLERS,
    *orders.HANDLERS,
    *activation.HANDLERS,
    *stamps.HANDLERS,
]


def _pages(path: str, handlers: list[Any]) -> Router:
    return Router(
        path=path,
        route_handlers=handlers,
        dependencies=DEPENDENCIES,
        before_request=require_csrf,
        opt={"page": True},
        include_in_schema=False,
    )


def routers() -> list[Router]:
    return [
        _pages("/", public.HANDLERS),
        _pages("/portal", PORTAL),
        create_static_files_router(
            path=STATIC_PREFIX,
            directories=[STATIC],
            # URLs carry the file's hash (templating.static_url): cache them for a year.
            cache_control=CacheControlHeader(max_age=31_536_000, public=True, immutable=True),
            include_in_schema=False,
        ),
    ]
