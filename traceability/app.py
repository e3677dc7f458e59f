"""The app factory. The lifespan owns the database (and the embedded server, if any)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.types import ASGIApp, Receive, Send

from stamps.processes import exit_with_parent
from traceability import __version__
from traceability.accounts.controller import ApiKeyController, UserController
from traceability.accounts.usage import KeyUsage
from traceability.asgi import LayeredApp, SecurityHeaders, content_security_policy
from traceability.audit.controller import AuditController
from traceability.body_deadline import body_deadline
from traceability.cancellations.controller import CancellationRequestController
from traceability.cases.controller import CaseController
from traceability.chains.controller import ChainController, StoreController
from traceability.circular02.controller import ROUTES as CIRCULAR_02_ROUTES
from traceability.db.embedded import EmbeddedPostgres
from traceability.db.pool import create_pool
from traceability.db.replica import ReadPools
from traceability.db.schema import prepare
from traceability.deliveries.controller import DeliveryController
from traceability.deps import provide_after_commit, provide_conn, provide_principal
from traceability.epcis.controller import ROUTES as EPCIS_ROUTES
from traceability.errors import handle_error
from traceability.health.controller import ROUTES as HEALTH_ROUTES
from traceability.inputs import MAX_BODY_BYTES, StrictRequest
from traceability.offline.controller import ROUTES as OFFLINE_ROUTES
from traceability.openapi import (
    declare_bearer,
    declare_conflicts,
    declare_optional_bodies,
    document_media_types,
    document_problems,
)
from traceability.packing.controller import ROUTES as PACKING_ROUTES
from traceability.portal import routes as portal
from traceability.portal.api_docs import LocalSwaggerUI
from traceability.portal.errors import ErrorPages
from traceability.portal.templating import template_config
from traceability.recalls.controller import RecallController
from traceability.registry.cooperatives.controller import CooperativeController
from traceability.registry.listings.controller import ListingController
from traceability.registry.lots.controller import LotController
from traceability.registry.planting_areas.controller import PlantingAreaController
from traceability.registry.products.controller import ProductController
from traceability.reports.controller import REPORT_HANDLERS
from traceability.resolver.controller import ROUTES as RESOLVER_ROUTES
from traceability.resolver.preflight import ResolverPreflight
from traceability.runtime import current_runtime, runtime_dependencies, worker_runtime
from traceability.scanning.analytics import ScanAnalyticsController
from traceability.scanning.assets import ASSET_HANDLERS
from traceability.scanning.cases import SuspicionController
from traceability.scanning.controller import (
    MINIMUM_COMPRESSED_SIZE,
    SCAN_HANDLERS,
    SKIP_COMPRESSION,
)
from traceability.scanning.errors import ConsumerErrorPages
from traceability.scanning.fast import ScanFastPath
from traceability.scanning.page import STYLE_HASH
from traceability.scanning.story import StampStoryController
from traceability.settings import Settings
from traceability.signing import KeyFolderError
from traceability.stamping.controller import (
    LabelStockController,
    StampBatchController,
    StampLifecycleController,
)
from traceability.subsidy.controller import OrderDecisionController, SubsidyController
from traceability.verification.controller import VerifyController, jwks

log = logging.getLogger(__name__)


def route_handlers() -> list[Any]:
    """Every controller of the service; each domain adds its own here."""
    return [
        *HEALTH_ROUTES,
        ApiKeyController,
        UserController,
        AuditController,
        CooperativeController,
        ChainController,
        StoreController,
        DeliveryController,
        PlantingAreaController,
        ProductController,
        ListingController,
        LotController,
        RecallController,
        StampBatchController,
        StampLifecycleController,
        LabelStockController,
        VerifyController,
        jwks,
        *SCAN_HANDLERS,
        *ASSET_HANDLERS,
        *REPORT_HANDLERS,
        ScanAnalyticsController,
        SuspicionController,
        SubsidyController,
        OrderDecisionController,
        CancellationRequestController,
        CaseController,
        StampStoryController,
        *RESOLVER_ROUTES,
        *OFFLINE_ROUTES,
        *CIRCULAR_02_ROUTES,
        *portal.routers(),
        *EPCIS_ROUTES,
        *PACKING_ROUTES,
    ]


def _document_problems(app: Litestar) -> None:
    document_problems(app.openapi_schema)
    declare_conflicts(app)
    declare_bearer(app)
    declare_optional_bodies(app)
    document_media_types(app.openapi_schema, app.routes)


def _allow_every_method(app: Litestar) -> None:
    """``OPTIONS`` answers ``Allow`` with every method of its path, not just the first handler's.

    Litestar registers a controller's handlers one at a time; each registration rebuilds the
    path's route but keeps the first route's generated OPTIONS handler, whose ``Allow`` lists
    that first route's methods only (``Allow: OPTIONS, POST`` on a path that also has GET).
    """
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "OPTIONS" not in route.route_handler_map:
            continue
        function = route.route_handler_map["OPTIONS"][0].fn
        for cell in getattr(function, "__closure__", None) or ():
            if isinstance(cell.cell_contents, HTTPRoute):
                cell.cell_contents = route


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        embedded = None
        url = settings.database_url
        if url is None:
            embedded = EmbeddedPostgres(settings.pgdata_dir)
            embedded.watch()
            url = embedded.url
        try:
            await prepare(
                settings.direct_database_url or url,
                migrate=settings.migrate_on_start,
                lock_timeout=settings.migration_lock_timeout,
            )
        except BaseException:
            if embedded is not None:
                embedded.stop()
            raise
        pool = await create_pool(
            url, min_size=settings.pool_min_size, max_size=settings.pool_max_size
        )
        replica = None
        if settings.database_replica_url:
            # min_size 0: a replica that is down at start only sends reads to the primary.
            replica = await create_pool(
                settings.database_replica_url, min_size=0, max_size=settings.pool_max_size
            )
        reads = ReadPools(pool, replica, max_lag=settings.replica_max_lag_seconds)
        key_usage = KeyUsage(pool)
        try:
            app.state.pool = pool
            app.state.reads = reads
            app.state.key_usage = key_usage
            app.state.settings = settings
            reads.start()
            key_usage.start()
            listen_url = settings.database_direct_url or url  # LISTEN: not through a pooler
            async with worker_runtime(app.state, settings, pool, listen_url):
                yield
        finally:
            await key_usage.stop()
            await reads.stop()
            # Graceful: wait for requests in flight to give their connections back.
            await pool.close()
            if embedded is not None:
                embedded.stop()

    app = LayeredApp(
        layers=[
            # Outermost first: every response gets the security headers, the fast path's too.
            SecurityHeaders.layer(content_security_policy(style_sources=[STYLE_HASH])),
            # GET /s/<code> ahead of the router: same answers, less work.
            lambda inner, app: ScanFastPath(inner, app, lambda: current_runtime(app.state)),
            ResolverPreflight,  # OPTIONS on GS1 resolver paths: CORS the standard's way
        ],
        route_handlers=route_handlers(),
        on_startup=[_document_problems],
        lifespan=[lifespan],
        dependencies={
            "conn": Provide(provide_conn),
            "after_commit": Provide(provide_after_commit, sync_to_thread=False),
            "principal": Provide(provide_principal),
            **runtime_dependencies(),
        },
        exception_handlers={Exception: handle_error},
        template_config=template_config(),
        state=State({"error_pages": (ErrorPages(), ConsumerErrorPages())}),
        openapi_config=OpenAPIConfig(
            title="Hà Giang smart-stamp traceability",
            version=__version__,
            description=(
                "Registry of cooperatives, planting areas, OCOP products and lots; signed QR "
                "smart stamps; scan resolution and provenance verification. Authenticate with "
                '`Authorization: Bearer <API key>` ("Authorize" above): people create keys '
                "for their organisation in the portal, under API keys."
            ),
            path="/schema",
            # Swagger UI from local files (no CDN): at /schema and /schema/swagger.
            render_plugins=[LocalSwaggerUI(path=["/", "/swagger"])],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="An API key: `tsk_…`, created in the portal or the CLI.",
                    )
                }
            ),
        ),
        cors_config=CORSConfig(
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_headers=["Accept", "Accept-Language"],
            expose_headers=["Link"],  # GS1 resolvers announce the linkset in Link
        ),
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=MINIMUM_COMPRESSED_SIZE,
            gzip_compress_level=6,
            exclude_opt_key=SKIP_COMPRESSION,  # the scan page compresses its own
        ),
        request_class=StrictRequest,
        middleware=[body_deadline(settings.body_seconds)],
        request_max_body_size=MAX_BODY_BYTES,
        # Logging is the process's (configure_logging), not each app's: Litestar's default
        # config would replace the root handlers (JSON logs lost) and start a QueueListener
        # thread per app that is never stopped.
        logging_config=None,
        debug=False,
    )
    _allow_every_method(app)
    return app


def create_app_from_env() -> ASGIApp:
    """Entry point for ``uvicorn --factory`` workers."""
    from traceability.logs import configure_logging

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    # A worker of `serve --workers N` stops, gracefully, when its supervisor is killed
    # outright: otherwise it would keep the listening socket and serve on for ever.
    exit_with_parent(lambda: os.kill(os.getpid(), signal.SIGTERM))
    return refusals_in_one_line(create_app(settings))


def refusals_in_one_line(app: Litestar) -> ASGIApp:
    """A worker that refuses to start (its keys folder lacks what the database's stamps need)
    says why in one line: Litestar reports a failed start with the whole traceback."""

    async def handler(scope: Any, receive: Receive, send: Send) -> None:
        # (Litestar's Scope type leaves out the lifespan scope that reaches an app.)
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def report(message: Any) -> None:
            if message["type"] == "lifespan.startup.failed":
                refusal = _refusal(sys.exc_info()[1])  # sent from Litestar's except block
                if refusal is not None:
                    message = {**message, "message": f"cannot start: {refusal}"}
            await send(message)

        await app(scope, receive, report)

    return handler


def _refusal(exc: BaseException | None) -> KeyFolderError | None:
    if isinstance(exc, KeyFolderError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            if (found := _refusal(inner)) is not None:
                return found
    return None
