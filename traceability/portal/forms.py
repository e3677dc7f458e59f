"""Forms: what a person typed, converted to the Struct the API takes, with errors in words.

The pattern every portal form follows (``docs/portal.md``):

1. ``form = await read_form(request, Struct, viewer.t)`` reads the posted fields and
   converts them to the *same* msgspec Struct the API endpoint takes: numbers as the
   language writes them (2.000), dates as dd/mm/yyyy, text NFC-normalised and trimmed.
   A value that does not fit gets a message beside its field in the reader's language.
2. ``result = await form.run(conn, lambda data: service.do_it(conn, person.principal, data))``
   calls the *same* service function the API calls, in a savepoint: a rule the service or
   the database enforces (``InvalidInput``/``Conflict``, a constraint) becomes a message
   beside its field and nothing it wrote is kept. ``NotFound``/``Forbidden`` go on to the
   error page (another tenant's record is a 404 page, as in the API).
3. If ``form.ok``, redirect (303) to a page a refresh cannot post again; else render the
   same template with ``form``: it shows the values as typed and every error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, Final, Generic, TypeVar

import asyncpg
import msgspec
import msgspec.inspect as mi
from litestar import Request

from traceability.errors import Conflict, InvalidInput, TraceabilityError, from_database
from traceability.portal.i18n import N_, ParseError, Text, Translator

T = TypeVar("T", bound=msgspec.Struct)
R = TypeVar("R")

FORM_ERROR: Final = ""
"""The key of errors that belong to the whole form (shown above it)."""

CONSTRAINT_FIELDS: Final[dict[str, str]] = {
    # Database constraint → the form field it is about; the message is the constraint's
    # own (``errors.CONSTRAINT_MESSAGES``), translated. Workspaces add theirs here.
    "cooperatives_tax_code_key": "tax_code",
    "cooperatives_gln_key": "gln",
    "planting_areas_code_key": "code",
    "products_gtin_key": "gtin",
    "products_ocop_score_matches_stars": "ocop_score",
    "products_ocop_dates_in_order": "ocop_expires_on",
    "lots_product_code_key": "code",
    "lots_expiry_after_harvest": "expires_on",
    "marketplace_listings_product_url_key": "url",
    "users_login_key": "login",
    "chains_tax_code_key": "tax_code",
    "chains_gln_key": "gln",
    "stores_chain_name_key": "name",
    "stores_gln_key": "gln",
}

RULES: Final[list[tuple[str, tuple[str, ...], str]]] = [
    # A Struct's own rule (``__post_init__`` raising ValueError with English words): the
    # start of its message, the fields it is shown beside (the first the form has), and
    # what a person reads instead. Workspaces add theirs here.
    (
        "A lot cannot expire before",
        ("expires_on",),
        N_("The best-before date must not be before the harvest."),
    ),
    (
        "The OCOP certificate must expire",
        ("ocop_expires_on",),
        N_("The end of validity must be after the issue date."),
    ),
    (
        "A certification must expire",
        ("expires_on",),
        N_("The end of validity must be after the issue date."),
    ),
    ("A GTIN has", ("gtin",), N_("A GTIN has 8, 12, 13 or 14 digits.")),
    (
        "GTIN ",
        ("gtin",),
        N_("The last digit is not this GTIN's check digit: copy the number again."),
    ),
    (
        "The URL",
        ("image_url", "url", "website"),
        N_("Give an https:// address on a public web site."),
    ),
    (
        "An OCOP score or certificate needs",
        ("ocop_stars",),
        N_("Choose the OCOP stars of this certificate."),
    ),
    (
        "A planting area code has the form",
        ("code",),
        N_("Like VN-HG-BQ-VH-001-24: country, province, district, commune, number, year."),
    ),
    (
        "Give latitude and longitude together",
        ("longitude", "latitude"),
        N_("Give the latitude and the longitude together, or neither."),
    ),
    (
        "An OCOP score of",
        ("ocop_score",),
        N_("The points do not match the stars: 3★ 50–69, 4★ 70–89, 5★ 90–100."),
    ),
]

REQUIRED: Final = N_("Fill in this field.")
TOO_LONG: Final = N_("Use at most %(max)s characters.")
TOO_SHORT: Final = N_("Use at least %(min)s characters.")
NOT_IN_FORM: Final = N_("This is not in the expected form.")
CHOOSE: Final = N_("Choose one of the options.")
AT_LEAST: Final = N_("Type %(min)s or more.")
AT_MOST: Final = N_("Type %(max)s or less.")
MORE_THAN: Final = N_("Type a number greater than %(min)s.")
LESS_THAN: Final = N_("Type a number less than %(max)s.")
NOT_ACCEPTED: Final = N_("This value is not accepted.")

_PASSWORD_FIELDS: Final = frozenset(
    {"password", "current_password", "new_password", "confirm_password"}
)


class Form(Generic[T]):
    """A posted form: the values as typed, an error per field, and the converted Struct."""

    def __init__(self, t: Translator, values: Mapping[str, str] | None = None) -> None:
        self.t = t
        self.values: dict[str, str] = dict(values or {})
        self.errors: dict[str, Text] = {}
        self._data: T | None = None

    # -- for templates --------------------------------------------------------------------

    def value(self, name: str) -> str:
        """What the person typed (never a password: those are not sent back)."""
        return "" if name in _PASSWORD_FIELDS else self.values.get(name, "")

    def error(self, name: str) -> str:
        message = self.errors.get(name)
        return self.t(message) if message else ""

    @property
    def form_errors(self) -> list[str]:
        return [self.t(m) for k, m in self.errors.items() if k == FORM_ERROR]

    # -- for handlers ---------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        return not self.errors and self._data is not None

    @property
    def data(self) -> T:
        if self._data is None:
            raise RuntimeError("the form has errors; check form.ok first")
        return self._data

    def fail(self, field: str, message: Text | str) -> None:
        if field not in self.errors:  # the first problem of a field is the one to fix first
            self.errors[field] = message if isinstance(message, Text) else Text(message)

    def fail_with(self, exc: TraceabilityError) -> None:
        """A rule the service or the database enforced, beside the field it is about."""
        constraint = exc.extra.get("constraint")
        field = exc.extra.get("field") or CONSTRAINT_FIELDS.get(str(constraint), FORM_ERROR)
        if field != FORM_ERROR and field not in self.values and field not in self.errors:
            field = FORM_ERROR  # the form does not show that field: say it above the form
        self.fail(field, Text(exc.message, **exc.params))

    async def run(self, conn: asyncpg.Connection, action: Callable[[T], Awaitable[R]]) -> R | None:
        """Call the service with the converted Struct, in a savepoint (see the module doc)."""
        if not self.ok:
            return None
        try:
            async with conn.transaction():
                return await action(self.data)
        except (InvalidInput, Conflict) as exc:
            self.fail_with(exc)
        except asyncpg.PostgresError as exc:
            mapped = from_database(exc)
            if mapped is None:
                raise
            self.fail_with(mapped)
        self._data = None
        return None


async def read_form(
    request: Request[Any, Any, Any],
    struct: type[T],
    t: Translator,
    *,
    fixed: Mapping[str, Any] | None = None,
    messages: Mapping[str, str] | None = None,
) -> Form[T]:
    """Read the posted fields into ``struct``; ``fixed`` values are not the person's to choose
    (the cooperative of a signed-in cooperative user, a path parameter); ``messages`` says
    in words how a field must look when it breaks a pattern."""
    posted = await request.form()
    values = {k: v for k, v in posted.items() if isinstance(v, str)}
    return bind(struct, values, t, fixed=fixed, messages=messages)


def bind(
    struct: type[T],
    values: Mapping[str, str],
    t: Translator,
    *,
    fixed: Mapping[str, Any] | None = None,
    messages: Mapping[str, str] | None = None,
) -> Form[T]:
    form: Form[T] = Form(t, values)
    converted: dict[str, Any] = {}
    info = mi.type_info(struct)
    assert isinstance(info, mi.StructType)
    for field in info.fields:
        if fixed and field.name in fixed:
            converted[field.name] = fixed[field.name]
            continue
        raw = values.get(field.name)
        try:
            value = _convert(field.type, raw, t, field.name in _PASSWORD_FIELDS)
        except ParseError as exc:
            form.fail(field.name, exc.text)
            continue
        except _Problem as exc:
            text = exc.text
            if exc.text.message == NOT_IN_FORM and messages and field.name in messages:
                text = Text(messages[field.name])
            form.fail(field.name, text)
            continue
        if value is _MISSING:
            if field.required:
                form.fail(field.name, Text(REQUIRED))
            continue
        converted[field.name] = value
    if form.errors:
        return form
    try:
        form._data = msgspec.convert(converted, struct)
    except msgspec.ValidationError as exc:
        # A cross-field rule (``__post_init__`` raising ValueError with a human message,
        # marked with N_) or something the field checks above did not cover.
        message, _, path = str(exc).partition(" - at `$.")
        at = path.rstrip("`").split(".")[0].split("[")[0] if path else FORM_ERROR
        machine = message.startswith(("Expected", "Invalid", "Object missing", "Object contains"))
        text = Text(NOT_ACCEPTED if machine else message)
        for start, fields, words in RULES:
            if message.startswith(start):
                at, text = next((f for f in fields if f in values), FORM_ERROR), Text(words)
                break
        form.fail(at if at in values else FORM_ERROR, text)
    return form


class _Problem(Exception):
    def __init__(self, text: Text) -> None:
        self.text = text


_MISSING: Final = object()


def _convert(kind: mi.Type, raw: str | None, t: Translator, secret: bool) -> Any:
    """One field's text as the type the Struct declares, checked against its constraints."""
    # A constraint with a description (``Meta(description=…)``) wraps its type.
    kind = kind.type if isinstance(kind, mi.Metadata) else kind
    if isinstance(kind, mi.UnionType):
        options = [k for k in kind.types if not isinstance(k, mi.NoneType)]
        kind = options[0] if len(options) == 1 else mi.AnyType()
        kind = kind.type if isinstance(kind, mi.Metadata) else kind
    if isinstance(kind, mi.BoolType):
        return raw is not None and raw not in ("", "0", "false", "off")
    if raw is None:
        return _MISSING
    text = unicodedata.normalize("NFC", raw)
    if not secret:
        text = " ".join(text.split()) if "\n" not in text else text.strip()
    if text == "":
        return _MISSING
    if isinstance(kind, mi.StrType):
        return _checked_str(kind, text)
    if isinstance(kind, mi.IntType):
        return _checked_number(kind, t.parse_int(text), t)
    if isinstance(kind, mi.DecimalType | mi.FloatType):
        value = t.parse_decimal(text)
        _checked_number(kind, value, t)
        return float(value) if isinstance(kind, mi.FloatType) else value
    if isinstance(kind, mi.DateType):
        return t.parse_date(text)
    if isinstance(kind, mi.LiteralType):
        if text not in {str(v) for v in kind.values}:
            raise _Problem(Text(CHOOSE))
        return next(v for v in kind.values if str(v) == text)
    return text


def _checked_str(kind: mi.StrType, text: str) -> str:
    if kind.max_length is not None and len(text) > kind.max_length:
        raise _Problem(Text(TOO_LONG, max=kind.max_length))
    if kind.min_length is not None and len(text) < kind.min_length:
        raise _Problem(Text(TOO_SHORT, min=kind.min_length))
    if kind.pattern is not None and not re.search(kind.pattern, text):
        raise _Problem(Text(NOT_IN_FORM))
    return text


def _checked_number(kind: Any, value: int | Decimal, t: Translator) -> int | Decimal:
    # Bounds as a person reads them: "2 or more" rather than "more than 1".
    whole = isinstance(kind, mi.IntType)
    if kind.ge is not None and value < kind.ge:
        raise _Problem(Text(AT_LEAST, min=t.number(kind.ge)))
    if kind.gt is not None and value <= kind.gt:
        if whole:
            raise _Problem(Text(AT_LEAST, min=t.number(kind.gt + 1)))
        raise _Problem(Text(MORE_THAN, min=t.number(kind.gt)))
    if kind.le is not None and value > kind.le:
        raise _Problem(Text(AT_MOST, max=t.number(kind.le)))
    if kind.lt is not None and value >= kind.lt:
        if whole:
            raise _Problem(Text(AT_MOST, max=t.number(kind.lt - 1)))
        raise _Problem(Text(LESS_THAN, max=t.number(kind.lt)))
    return value


__all__ = ["CONSTRAINT_FIELDS", "FORM_ERROR", "Form", "bind", "read_form"]
