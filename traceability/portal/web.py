"""What every portal request shares: who is looking (the session), their language, the CSRF
token, and how a page is answered (rendered, or redirected after a POST).

Handlers take ``viewer: Viewer`` (anyone, signed in or not) or ``person: Person`` (a
signed-in user: others are sent to sign in, or to the sign-in step they have left to do).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final
from urllib.parse import quote, urlsplit

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect, Template

from traceability.accounts import users as people
from traceability.accounts.repository import Principal
from traceability.accounts.users import Session, Stage, User
from traceability.deps import PRINCIPAL, Conn
from traceability.errors import Forbidden, TraceabilityError
from traceability.portal import i18n
from traceability.portal.i18n import N_, Lang, Translator
from traceability.portal.nav import NavItem, nav_for
from traceability.settings import Settings
from traceability.signing import Keys

SESSION_COOKIE: Final = "portal_session"
CSRF_COOKIE: Final = "portal_csrf"
LANG_COOKIE: Final = "lang"
CSRF_FIELD: Final = "csrf_token"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})

STAGE_PAGES: Final[dict[Stage, str]] = {
    "change_password": "/portal/password",
    "enrol_totp": "/portal/second-factor/setup",
    "verify_totp": "/portal/second-factor",
    "signed_in": "/portal/",
}
"""Where a session at each stage of signing in is sent."""

NOTICES: Final[dict[str, str]] = {
    # ``?done=<key>`` after a redirect: what just happened, in the reader's language.
    # Keys, not text, travel in the URL, so nobody can put words on our pages by a link.
    "saved": N_("Saved."),
    "password_changed": N_("Your password has been changed."),
    "signed_out": N_("You are signed out."),
    "signed_out_everywhere": N_("You are signed out on every device."),
    "key_revoked": N_("The API key is revoked: it stops working at once."),
    "disabled": N_("The account is disabled and its sessions have ended."),
    "enabled": N_("The account can sign in again."),
    "delivery_recorded": N_("The delivery is recorded."),
    "chain_suspended": N_("The chain is suspended: its people and keys are turned away."),
    "chain_lifted": N_("The chain's suspension is lifted."),
    # the authority's workspace
    "order_approved": N_("The order is approved: its stamps can be printed and activated."),
    "order_rejected": N_("The order is rejected; the cooperative sees why."),
    "cancellation_approved": N_(
        "The order is cancelled and its stamps revoked: it no longer counts in the subsidy."
    ),
    "cancellation_rejected": N_("The request is rejected; the order stays as it was."),
    "payment_recorded": N_("The payment is recorded."),
    "payment_cleared": N_("The payment is taken back: the share is unpaid again."),
    "suspended": N_("The cooperative is suspended: its people and keys are locked out."),
    "suspension_lifted": N_("The suspension is lifted: its people and keys work again."),
    "note_added": N_("The note is added."),
    "case_dismissed": N_("The case is dismissed and the mark cleared."),
    "case_confirmed": N_("The counterfeit is confirmed: its stamps are revoked."),
    "signing_key_pending": N_("A new key is published. Let it sign once every worker holds it."),
    "signing_key_active": N_("The new key signs new stamps; the key before it is retired."),
    "signing_key_retired": N_("The key is retired: it signs nothing, its stamps still verify."),
    "signing_key_revoked": N_("The key is revoked: every stamp it signed now fails as forged."),
    # The cooperative's workspace
    "ordered": N_("The stamps are ordered. Print them below."),
    "order_cancelled": N_("The order is cancelled: it costs nothing."),
    "cancellation_requested": N_(
        "Your request is sent: the province decides whether the order is cancelled."
    ),
    "cancellation_withdrawn": N_("Your request to cancel the order is withdrawn."),
    "activated": N_("The stamps are active: a scan now shows them as genuine."),
    "already_active": N_("These stamps were already active: nothing changed."),
    "partly_active": N_(
        "The stamps are active. Some of them were active already; they are unchanged."
    ),
    "lot_deleted": N_("The lot is deleted."),
    "product_deleted": N_("The product is deleted."),
    "area_deleted": N_("The planting area is deleted."),
}

PAGE_HEADERS: Final = {
    # Pages show one person's data: never stored by a browser or a proxy.
    "Cache-Control": "no-store",
    "Vary": "Cookie, Accept-Language",
}


class SignInRequired(TraceabilityError):
    """Sign in to see this page."""

    status = 401
    slug = "sign-in-required"

    def __init__(self, to: str = "/portal/login", next_url: str | None = None) -> None:
        super().__init__()
        self.to = to
        self.next_url = next_url


def csrf_token(binding: str) -> str:
    """The form token for a browser: derived one-way from its session (or pre-session) cookie.

    A site that makes the browser post a form cannot read the HttpOnly cookie, so it cannot
    know the token; a new session at sign-in gives a new token.
    """
    digest = hashlib.sha256(b"portal-csrf-v1:" + binding.encode()).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


@dataclass
class Viewer:
    """Whoever is looking at a portal page: signed in or not, in their language."""

    settings: Settings
    session: Session | None
    lang: Lang
    csrf_binding: str
    new_cookies: list[Cookie] = field(default_factory=list)
    network: str | None = None
    user_agent: str | None = None
    path: str = "/"
    notice: str | None = None
    """A key of ``NOTICES`` to show at the top of the page."""

    @property
    def t(self) -> Translator:
        return i18n.translator(self.lang)

    @property
    def user(self) -> User | None:
        return self.session.user if self.session and self.session.stage == "signed_in" else None

    @property
    def csrf_token(self) -> str:
        return csrf_token(self.csrf_binding)

    def session_cookie(self, token: str) -> Cookie:
        return Cookie(
            key=SESSION_COOKIE,
            value=token,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
            max_age=self.settings.session_absolute_hours * 3600,
        )

    def signed_in_as(self, token: str, session: Session | None = None) -> None:
        """A new session token for this browser: later forms on this response bind to it."""
        self.new_cookies = [c for c in self.new_cookies if c.key != SESSION_COOKIE]
        self.new_cookies.append(self.session_cookie(token))
        self.csrf_binding = token
        if session is not None:
            self.session = session

    def signed_out(self) -> None:
        self.new_cookies.append(
            Cookie(
                key=SESSION_COOKIE,
                value="",
                path="/",
                max_age=0,
                httponly=True,
                samesite="lax",
                secure=self.settings.secure_cookies,
            )
        )
        self.session = None


@dataclass
class Person(Viewer):
    """A viewer who is signed in (``user`` and ``principal`` are always there)."""

    @property
    def me(self) -> User:
        assert self.session is not None
        return self.session.user

    @property
    def principal(self) -> Principal:
        return self.me.principal

    @property
    def live_session(self) -> Session:
        assert self.session is not None
        return self.session


def _client_network(request: Request[Any, Any, Any], secret: bytes) -> str | None:
    """The browser's network (a keyed hash of its /24 or /48), for sign-in throttling."""
    from traceability.scanning.service import network_hash

    client = request.client.host if request.client else None
    if not client:
        return None
    # A peer that is not an IP address (a Unix socket, a test client) still counts as one.
    return (
        network_hash(secret, client) or hmac.new(secret, client.encode(), "sha256").hexdigest()[:24]
    )


async def provide_viewer(request: Request[Any, Any, Any], conn: Conn, keys: Keys) -> Viewer:
    """The viewer of this request, from the session cookie (checked against the database)."""
    settings: Settings = request.app.state.settings
    token = request.cookies.get(SESSION_COOKIE)
    session = None
    if token:
        session = await people.find_session(
            conn, token, timedelta(minutes=settings.session_idle_minutes)
        )
        if session is not None:
            await people.touch_session(conn, session.id)
    new_cookies: list[Cookie] = []
    anonymous = request.cookies.get(CSRF_COOKIE)
    if not anonymous:
        anonymous = secrets.token_urlsafe(24)
        new_cookies.append(
            Cookie(
                key=CSRF_COOKIE,
                value=anonymous,
                path="/",
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
            )
        )
    lang = i18n.choose(
        session.user.language if session else None,
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        i18n.from_accept_language(request.headers.get("accept-language")),
    )
    viewer = Viewer(
        settings=settings,
        session=session,
        lang=lang,
        csrf_binding=token or anonymous,
        new_cookies=new_cookies,
        network=_client_network(request, keys.place_secret),
        user_agent=request.headers.get("user-agent"),
        path=request.url.path,
        notice=request.query_params.get("done") if request.method in SAFE_METHODS else None,
    )
    request.state.viewer = viewer
    return viewer


async def provide_person(
    request: Request[Any, Any, Any], viewer: NamedDependency[Viewer]
) -> Person:
    """A signed-in person; anyone else is sent to sign in (or to finish signing in)."""
    session = viewer.session
    if session is None:
        raise SignInRequired(next_url=_here(request))
    if session.stage != "signed_in":
        raise SignInRequired(to=STAGE_PAGES[session.stage])
    person = Person(**{f: getattr(viewer, f) for f in viewer.__dataclass_fields__})
    request.state.viewer = person
    # The person is the request's caller, as an API key would be (guards read it here).
    request.state[PRINCIPAL] = person.principal
    return person


async def provide_pending(request: Request[Any, Any, Any], conn: Conn, keys: Keys) -> Viewer:
    """A viewer part-way through signing in (or signed in): the sign-in step pages take
    this as their ``viewer`` (``dependencies=PENDING``); others are sent to sign in."""
    viewer = await provide_viewer(request, conn, keys)
    if viewer.session is None:
        raise SignInRequired()
    return viewer


async def provide_official(person: NamedDependency[Person]) -> Person:
    """A person of the provincial authority; anyone else gets the 403 page."""
    if not person.principal.is_authority:
        raise Forbidden("This page is for the provincial authority.")
    return person


AnyViewer = NamedDependency[Viewer]
"""``viewer: AnyViewer``: whoever is looking, signed in or not."""
SignedIn = NamedDependency[Person]
"""``person: SignedIn``: a signed-in person; anyone else is sent to sign in."""
PENDING: Final = {"viewer": Provide(provide_pending)}
"""Handler dependencies of the sign-in step pages: ``viewer`` must have begun signing in."""
DEPENDENCIES: Final = {"viewer": Provide(provide_viewer), "person": Provide(provide_person)}
"""The portal routers' dependencies."""
Official = NamedDependency[Person]
"""``official: Official`` with ``dependencies=OFFICIAL``: the authority's pages."""
OFFICIAL: Final = {"official": Provide(provide_official)}


def _here(request: Request[Any, Any, Any]) -> str | None:
    if request.method not in SAFE_METHODS:
        return None
    path = request.url.path
    return path + (f"?{request.url.query}" if request.url.query else "")


def safe_next(raw: str | None, default: str = "/portal/") -> str:
    """Only a path on this site (never ``//evil``, ``/\\evil`` or a full URL) to go back to."""
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or any(ch in raw for ch in "\r\n\t"):
        return default
    return raw


def login_url(next_url: str | None) -> str:
    return "/portal/login" + (f"?next={quote(next_url, safe='/')}" if next_url else "")


async def require_csrf(request: Request[Any, Any, Any]) -> None:
    """Every form post carries the token of the browser's session: else 403.

    A ``before_request`` hook on every portal router, so no handler can forget it.
    """
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise PermissionDeniedException("cross-site form")
    form = await request.form()
    sent = form.get(CSRF_FIELD) or request.headers.get("x-csrf-token")
    binding = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    if (
        not isinstance(sent, str)
        or not binding
        or not hmac.compare_digest(sent.encode(), csrf_token(binding).encode())
    ):
        raise PermissionDeniedException("form token missing or stale")


def render(
    viewer: Viewer,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> Template:
    """A page in the viewer's language, with the layout's navigation and the form token."""
    user = viewer.session.user if viewer.session and viewer.session.stage == "signed_in" else None
    nav: list[NavItem] = nav_for(user)
    return Template(
        template_name=template,
        context={
            "viewer": viewer,
            "t": viewer.t,
            "lang": viewer.lang,
            "user": user,
            "nav": nav,
            "csrf_token": viewer.csrf_token,
            "notice": NOTICES.get(viewer.notice or ""),
            "htmx": False,
            **context,
        },
        status_code=status,
        headers={**PAGE_HEADERS, "Content-Language": viewer.lang},
        cookies=list(viewer.new_cookies),
        media_type="text/html",
    )


def redirect(viewer: Viewer | None, to: str, *, notice: str | None = None) -> Response[Any]:
    """After a successful POST: 303 to a page that a refresh cannot post again."""
    if notice:
        to += ("&" if "?" in to else "?") + "done=" + quote(notice)
    return Redirect(
        path=to,
        status_code=303,
        cookies=list(viewer.new_cookies) if viewer else None,
        headers={"Cache-Control": "no-store"},
    )


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """A partial update asked for by htmx (the page works without it too)."""
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )
