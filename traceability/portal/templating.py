"""The Jinja2 environment: autoescaped, strict about undefined names, translated per request.

Every page is rendered with a ``t`` (the request's ``Translator``) in its context; ``_()``
and ``{% trans %}`` translate through it, and the ``date``, ``datetime``, ``number`` and
``money`` filters format in the reader's language.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from traceability.portal.nav import ROLE_LABELS

TEMPLATES: Final = Path(__file__).with_name("templates")
STATIC: Final = Path(__file__).with_name("static")
STATIC_PREFIX: Final = "/static"


@pass_context
def _gettext(context: Context, message: str, **params: Any) -> str:
    text: str = context["t"].gettext(message)
    return text % params if params else text


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int, **params: Any) -> str:
    # Vietnamese has one form; English two. Both catalogs key on the singular.
    text: str = context["t"].gettext(singular if n == 1 else plural)
    return text % {"num": n, **params}


def _formatter(kind: str) -> Any:
    @pass_context
    def format_in_language(context: Context, value: Any) -> str:
        result: str = getattr(context["t"], kind)(value)
        return result

    return format_in_language


_BROWSERS = (
    ("Zalo", "Zalo"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("CocCoc", "Cốc Cốc"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def device(user_agent: str | None) -> str:
    """ "Chrome · Android" from a User-Agent: what a person recognises of their devices."""
    if not user_agent:
        return "?"
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return " · ".join(part for part in (browser, system) if part) or user_agent[:40]


@functools.cache
def asset_version(name: str) -> str:
    """A short hash of a static file: its URL changes when it does, so it can be cached forever."""
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    return f"{STATIC_PREFIX}/{name}?v={asset_version(name)}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["static"] = static_url
    env.globals["ROLES"] = ROLE_LABELS
    env.filters["device"] = device
    for kind in ("date", "datetime", "number", "money", "country"):
        env.filters[kind] = _formatter(kind)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
