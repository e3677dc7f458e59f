"""The service's errors, and the one place that turns every error into RFC 9457 problem details.

Domain code raises a ``TraceabilityError`` subclass; the class docstring is the default
message. Database constraint violations become ``Conflict`` or ``InvalidInput`` by constraint
name, so a rule enforced by ``schema.sql`` reads as a clear 4xx and never a 500.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping
from typing import Any, ClassVar

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://github.com/hagiang-traceability/problems/"


class TraceabilityError(Exception):
    """Something went wrong."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"

    def __init__(
        self, detail: str | None = None, *, params: Mapping[str, Any] | None = None, **extra: Any
    ) -> None:
        # ``detail`` may hold ``%(name)s`` placeholders filled from ``params``: the API reads
        # the filled text, the portal translates the message first and fills it after.
        self.message = detail or (self.__doc__ or "").strip()
        self.params: Mapping[str, Any] = params or {}
        self.detail = self.message % self.params if self.params else self.message
        self.extra = extra
        super().__init__(self.detail)

    @property
    def title(self) -> str:
        return (self.__class__.__doc__ or "").strip().splitlines()[0]


class InvalidInput(TraceabilityError):
    """The request is not valid."""

    status = 422
    slug = "invalid-input"


class Unauthorized(TraceabilityError):
    """A valid API key is required."""

    status = 401
    slug = "unauthorized"


class Forbidden(TraceabilityError):
    """This key may not do that."""

    status = 403
    slug = "forbidden"


class NotFound(TraceabilityError):
    """No such record."""

    status = 404
    slug = "not-found"


class Conflict(TraceabilityError):
    """The request conflicts with a record that already exists."""

    status = 409
    slug = "conflict"


class TooManyRequests(TraceabilityError):
    """Too many attempts; try again later."""

    status = 429
    slug = "too-many-requests"


# Constraint name → what a person should read. Unlisted constraints get a generic message
# that still names the constraint, so nothing is hidden from the API user.
CONSTRAINT_MESSAGES: dict[str, str] = {
    "cooperatives_tax_code_key": "A cooperative with this tax code is already registered.",
    "cooperatives_gln_key": "A cooperative with this GLN is already registered.",
    "planting_areas_code_key": "A planting area with this code is already registered.",
    "products_gtin_key": "A product with this GTIN is already registered.",
    "products_ocop_score_matches_stars": (
        "The OCOP score does not match the star rating (3★ 50–69, 4★ 70–89, 5★ 90–100)."
    ),
    "products_ocop_dates_in_order": "The OCOP certificate must expire after it is issued.",
    "lots_product_code_key": "This product already has a lot with this code.",
    "lots_expiry_after_harvest": "A lot cannot expire before it is harvested.",
    "marketplace_listings_product_url_key": "This product already has a listing with this URL.",
    "stamp_batches_serials_disjoint": "Serial ranges of two batches would overlap.",
    "stamp_batches_idempotency_key": "A batch with this Idempotency-Key already exists.",
    "chains_tax_code_key": "A chain with this tax code is already registered.",
    "chains_gln_key": "A chain with this GLN is already registered.",
    "stores_chain_name_key": "The chain already has a store with this name.",
    "stores_gln_key": "A store with this GLN is already registered.",
    "stamp_activations_batch_approved": (
        "The order waits for the authority's approval (or was rejected): its stamps cannot "
        "be activated."
    ),
    "cooperatives_suspension_has_reason": "Say why the cooperative is suspended.",
    "cartons_sscc_key": "A carton with this SSCC is already recorded.",
    "carton_contents_packed_once": "Some of these stamps are already packed in another carton.",
    "planting_areas_gln_key": "A planting area with this GLN is already registered.",
    "lot_events_within_lot_life": (
        "An event happens between the lot's harvest day and now, not before or after."
    ),
    "stamp_order_cancellations_one_open": (
        "A request to cancel this order is already waiting for the authority."
    ),
    "stamp_batches_cancelled_before_download": (
        "The order's print files were downloaded: only the authority's approval of a "
        "cancellation request cancels it."
    ),
    "short_text_clean": "Text must be NFC and free of control or invisible characters.",
    "long_text_clean": "Text must be NFC and free of control or invisible characters.",
}


def from_database(exc: asyncpg.PostgresError) -> TraceabilityError | None:
    """The domain error a database error stands for, or None if it is a real fault."""
    constraint = getattr(exc, "constraint_name", None) or ""
    message = CONSTRAINT_MESSAGES.get(constraint)
    if isinstance(exc, asyncpg.UniqueViolationError | asyncpg.ExclusionViolationError):
        return Conflict(message or f"Duplicate value ({constraint}).", constraint=constraint)
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return InvalidInput(message or "A referenced record does not exist.", constraint=constraint)
    if isinstance(
        exc,
        asyncpg.CheckViolationError
        | asyncpg.NotNullViolationError
        | asyncpg.StringDataRightTruncationError
        | asyncpg.NumericValueOutOfRangeError
        | asyncpg.InvalidDatetimeFormatError
        | asyncpg.DatetimeFieldOverflowError
        | asyncpg.CharacterNotInRepertoireError
        | asyncpg.UntranslatableCharacterError
        # Any other data exception (SQLSTATE class 22) is a value the client sent.
        | asyncpg.DataError,
    ):
        return InvalidInput(
            message or f"A value breaks a rule of the registry ({constraint or exc.sqlstate}).",
            constraint=constraint,
        )
    return None


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    instance: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = dict(headers or {})
    if status == 429:
        headers.setdefault("Retry-After", "60")
    elif status == 503:
        # Busy or the database away for a moment: a client should come back, not give up.
        headers.setdefault("Retry-After", "2")
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def database_unavailable(exc: BaseException) -> str | None:
    """What to tell a client when the database cannot serve for now (a 503), else None.

    Too many connections, a server starting, stopping or failed over to read-only, a broken
    connection: the request was fine and may be sent again in a moment; never a 500.
    """
    if isinstance(exc, asyncpg.ReadOnlySQLTransactionError):
        return "The database is read-only at the moment (a failover?); try again shortly."
    if isinstance(exc, asyncpg.InsufficientResourcesError):
        return "The database is at its limit of connections or resources; try again shortly."
    if isinstance(exc, asyncpg.OperatorInterventionError) and not isinstance(
        exc, asyncpg.QueryCanceledError
    ):
        return "The database is restarting; try again shortly."
    if isinstance(exc, asyncpg.PostgresConnectionError | ConnectionError | OSError):
        return "The database cannot be reached at the moment; try again shortly."
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
        return "The connection to the database was lost; try again shortly."
    return None


def handle_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Every exception that escapes a handler ends here: problem details for the API, a
    page in the reader's language for the portal and the consumer pages (the first of
    ``app.state.error_pages`` that applies to the request)."""
    response = _problem_response(request, exc)
    for pages in getattr(request.app.state, "error_pages", ()):
        if pages.applies(request):
            page: Response[Any] = pages.render(request, exc, response.status_code)
            return page
    return response


def _problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    path = request.url.path
    if (unavailable := database_unavailable(exc)) is not None:
        log.warning("database unavailable on %s: %s: %s", path, type(exc).__name__, exc)
        return problem(
            503,
            "Service Unavailable",
            unavailable,
            "unavailable",
            path,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, asyncpg.PostgresError):
        mapped = from_database(exc)
        if mapped is None:
            _log_failure(request, exc)
            return problem(
                500, "Internal error", "The server failed; it has been logged.", "internal", path
            )
        exc = mapped
    if isinstance(exc, OverflowError) or (
        isinstance(exc, asyncpg.InterfaceError) and isinstance(exc, ValueError)
    ):
        # The driver refused to send a value (an integer beyond 64 bits, a date beyond
        # year 9999): the client's input, caught before it reached the database.
        return problem(
            400,
            "The request is not valid.",
            "A value in the request is out of range.",
            "invalid-input",
            path,
        )
    if isinstance(exc, TraceabilityError):
        return problem(exc.status, exc.title, exc.detail, exc.slug, path, **exc.extra)
    if isinstance(exc, UnicodeDecodeError):
        # Litestar's JSON body decoder lets msgspec's UnicodeDecodeError through: a client
        # sent bytes that are not UTF-8, which is their mistake, not a server fault.
        return problem(
            400, "The request is not valid.", "The body is not valid UTF-8.", "invalid-input", path
        )
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else None
        return problem(
            400,
            "The request is not valid.",
            _validation_detail(exc),
            "invalid-input",
            path,
            errors=extra,
        )
    if isinstance(exc, HTTPException):
        slug = {
            401: "unauthorized",
            403: "forbidden",
            404: "not-found",
            405: "method-not-allowed",
            413: "too-large",
            415: "unsupported-media-type",
            429: "too-many-requests",
        }.get(exc.status_code, "http-error")
        # Keep the exception's headers: a 405 must say what is Allowed (RFC 9110).
        return problem(
            exc.status_code,
            _title_for(exc.status_code),
            str(exc.detail),
            slug,
            path,
            headers=dict(exc.headers or {}),
        )
    _log_failure(request, exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal error",
        "The server failed; it has been logged.",
        "internal",
        path,
    )


def _log_failure(request: Request[Any, Any, Any], exc: BaseException) -> None:
    """One line per failed request: what, where in our code, and on which route.

    The full traceback only at DEBUG: a flood of bad requests must not flood the log.
    """
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]  # Litestar groups what dependencies raised while cleaning up
    frames = [frame for frame, _ in traceback.walk_tb(exc.__traceback__)]
    frame = frames[-1] if frames else None
    where = f" at {frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else ""
    message = str(exc).replace("\n", " ")[:300]
    log.error(
        "%s %s failed: %s: %s%s",
        request.method,
        request.url.path[:200],
        type(exc).__name__,
        message,
        where,
        exc_info=exc if log.isEnabledFor(logging.DEBUG) else None,
    )


def _validation_detail(exc: ValidationException) -> str:
    detail = str(exc.detail)
    if isinstance(exc.extra, list) and exc.extra:
        first = exc.extra[0]
        if isinstance(first, dict) and first.get("message"):
            return f"{detail}: {first['message']}"
    return detail


def _title_for(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


__all__ = [
    "PROBLEM_JSON",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "TooManyRequests",
    "TraceabilityError",
    "Unauthorized",
    "handle_error",
]
