"""Jinja environment, the one `markdown` filter, and `render()`.

User Markdown reaches HTML only as the rendering stored beside it when it was written
(`html`, portal.core.markdown), through `markdown` for the one text no row stores, or through
Jinja's autoescaping (for everything else). These two filters are the only places where
markup is marked safe.

Templates know more than this module does: each domain offers the words for its codes and the
way to name its objects (`template_globals`, from its labels.py), and adds to every page's
context (`context_hook`: the header's unread count, the site's settings).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import TIMEDELTA_UNITS, format_date, format_datetime, format_timedelta
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal.core import i18n
from portal.core import markdown as stored_markdown
from portal.core.clock import aware, utcnow
from portal.core.hooks import Hooks
from portal.settings import STATIC_DIR, TEMPLATES_DIR
from portal.web import flash
from portal.web.requests import here, signed_in
from portal.web.urls import path_for


def markdown(text: str | None) -> Markup:
    """Render user Markdown that no row stores (the site's welcome text) to sanitized HTML."""
    return Markup(stored_markdown.render(text))  # noqa: S704 - sanitized by the renderer


def html(row: object, source: str) -> Markup:
    """The stored, sanitized HTML of `row`'s Markdown column `source` (`{{ c|html("body") }}`):
    pages show what was rendered when the text was written, and never sanitize."""
    return Markup(stored_markdown.rendered(row, source))  # noqa: S704 - sanitized when written


def _static_hashes() -> dict[str, str]:
    hashes = {}
    for path in STATIC_DIR.rglob("*"):
        if path.is_file():
            rel = path.relative_to(STATIC_DIR).as_posix()
            hashes[rel] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return hashes


_STATIC = _static_hashes()


def static_url(path: str) -> str:
    """A cache-busting address for a static file: its content hash in the query."""
    return f"/static/{path}?v={_STATIC.get(path, '0')}"


def fmt_date(value: datetime | date | None) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        value = aware(value)
    return format_date(value, "medium", locale=i18n.babel_locale())


def fmt_datetime(value: datetime | None) -> str:
    if not value:
        return ""
    return format_datetime(aware(value), "medium", locale=i18n.babel_locale())


def datetime_in(value: datetime | None, zone: str, fmt: str = "full") -> str:
    """A moment in a given time zone (the library's), in the reader's language."""
    if not value:
        return ""
    pattern = "EEEE d MMMM y, HH:mm" if fmt == "full" else "HH:mm"
    if i18n.get_locale() == "zh_Hans":
        pattern = "y年M月d日 EEEE HH:mm" if fmt == "full" else "HH:mm"
    return format_datetime(aware(value), pattern, tzinfo=ZoneInfo(zone), locale=i18n.babel_locale())


def iso(value: datetime | None) -> str:
    """A moment for machines, as `<time datetime>` wants it: UTC, to the second (HTML allows
    at most three digits of a second; stored times have six)."""
    return aware(value).isoformat(timespec="seconds") if value else ""


# babel's format_timedelta looks up its patterns on every call (a list page shows 20 times).
# Its text depends only on the direction, the unit it picks and the rounded number of that unit,
# so each text is kept per (locale, direction, unit, number): at most a few hundred of them.
_AGO: dict[tuple[str, bool, str, int], str] = {}
_AGO_THRESHOLD = 0.85  # babel's default: the largest unit of which there is at least 0.85


def _unit(seconds: float) -> tuple[str, int]:
    """The unit and the number of it that format_timedelta shows for `seconds` (>= 0), chosen
    as babel chooses them (default threshold, granularity 'second')."""
    for unit, per_unit in TIMEDELTA_UNITS:
        value = seconds / per_unit
        if value >= _AGO_THRESHOLD or unit == "second":
            if unit == "second" and value > 0:
                value = max(1, value)
            return unit, int(round(value))
    raise AssertionError("TIMEDELTA_UNITS ends with seconds")


def ago(value: datetime | None) -> str:
    """'3 days ago' in the reader's language."""
    if not value:
        return ""
    return relative((aware(value) - utcnow()).total_seconds())


def relative(seconds: float) -> str:
    """`seconds` from now ('in 3 days', '3 days ago') as format_timedelta words it."""
    key = (i18n.get_locale(), seconds >= 0, *_unit(abs(seconds)))
    text = _AGO.get(key)
    if text is None:
        text = format_timedelta(
            timedelta(seconds=seconds), add_direction=True, locale=i18n.babel_locale()
        )
        if len(_AGO) < 10_000:  # years are unbounded in principle; nothing else is
            _AGO[key] = text
    return text


def query(request: Request, **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    # HTML is escaped; plain-text emails (.txt) are not HTML and must not be.
    autoescape=select_autoescape(["html"], default_for_string=True),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    # Templates change only with a deploy; checking their files on every include would cost
    # a stat() per card on every list page. The DEBUG setting brings reloading back for
    # development (create_app sets it).
    auto_reload=False,
    cache_size=400,
    lstrip_blocks=True,
)
# jinja2.ext.i18n adds this method to the environment at run time; jinja2's types omit it.
env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.translated, i18n.translated_plural, newstyle=True
)
# The extension's `_` looks `gettext` up in the context and calls it through the context, for
# every string on every page; it is `gettext` itself (no template defines another).
env.globals["_"] = env.globals["gettext"]
env.filters.update(
    markdown=markdown,
    html=html,
    date=fmt_date,
    datetime=fmt_datetime,
    iso=iso,
    ago=ago,
    datetime_in=datetime_in,
)
env.globals.update(
    static_url=static_url, query=query, here=here, url=path_for, LOCALES=i18n.LOCALES
)


def local_name(row: object) -> str:
    """The name of anything named in both languages (`name`, `name_zh`: categories, teams) in
    the reader's language, or in English when it has no Chinese name."""
    name_zh = getattr(row, "name_zh", "")
    return name_zh if i18n.get_locale() == "zh_Hans" and name_zh else getattr(row, "name", "")


env.filters["local_name"] = local_name
env.filters["category_name"] = local_name


def template_globals(**functions: Any) -> None:
    """Offer `functions` to every template under these names: the domains' words for their
    codes (`status_label`) and ways to name their objects (`idea_title`). A name is offered
    once; offering it again with something else is a mistake, not an override."""
    for name, function in functions.items():
        if env.globals.get(name, function) is not function:
            raise ValueError(f"the template global {name!r} is offered twice")
        env.globals[name] = function


def template_filters(**functions: Any) -> None:
    """Offer `functions` to every template as filters (`{{ codes|zip_labels }}`)."""
    for name, function in functions.items():
        if env.filters.get(name, function) is not function:
            raise ValueError(f"the template filter {name!r} is offered twice")
        env.filters[name] = function


# Each takes the request and returns names to add to the context of every page it renders
# (evaluated lazily where a query would be wasted on pages that do not show them).
context_hooks: Hooks[[Request], dict[str, Any]] = Hooks("every page's template context")
context_hook = context_hooks.register


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render `template` with the request, the signed-in person, the locale and what the
    domains add to every page (`context_hooks`) in its context."""
    flash_key = request.cookies.get(flash.COOKIE)
    ctx = {
        "flash": flash.message(flash_key) if flash_key else None,
        "request": request,
        "user": signed_in(request),
        "locale": i18n.get_locale(),
        "html_lang": i18n.HTML_LANG[i18n.get_locale()],
        "settings": request.app.state.settings,
        "csrf_token": getattr(request.state, "csrf_token", ""),
    }
    for added in context_hooks(request):
        ctx.update(added)
    if context:
        hidden = context.keys() & env.globals.keys()
        if hidden:
            # A page's own `url` once hid url() from base.html: every page answered 500.
            raise ValueError(f"{template} would hide the template globals {sorted(hidden)}")
        ctx.update(context)
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if flash_key:
        flash.take(request, response)
    return response
