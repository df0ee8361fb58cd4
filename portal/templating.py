"""Jinja environment, the one `markdown` filter, and `render()`.

User text is stored raw and reaches HTML only through `markdown` (for bodies) or Jinja's
autoescaping (for everything else). `markdown` is the one place where markup is marked safe.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urlencode

import bleach
from babel.dates import format_date, format_datetime, format_timedelta
from bleach.linkifier import LinkifyFilter
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse

from portal import i18n, labels
from portal.clock import aware, utcnow
from portal.ideas import names
from portal.ideas import permissions as idea_rules
from portal.settings import STATIC_DIR, TEMPLATES_DIR
from portal.web import here

ALLOWED_TAGS = [
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",  # markdown-it renders ~~strikethrough~~ as <s>
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "hr",
]
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.enable("strikethrough")


def _link_rel(attrs: dict[Any, str], new: bool = False) -> dict[Any, str]:
    attrs[(None, "rel")] = "nofollow ugc noopener"
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes={"a": ["href", "title"]},
    protocols=["http", "https", "mailto"],
    strip=True,
    filters=[partial(LinkifyFilter, callbacks=[_link_rel], skip_tags=["pre", "code"])],
)


@lru_cache(maxsize=4096)
def markdown(text: str | None) -> Markup:
    """Render user Markdown to sanitized HTML. Headings are shifted down to h3 so user text
    never competes with the page's own headings."""
    # Sanitizing is the slow part of a page with many comments; the same text always gives
    # the same HTML, so recently rendered texts are kept.
    html = _md.render(text or "")
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return Markup(_cleaner.clean(html))  # noqa: S704 - the one sanitized exit point


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
    from zoneinfo import ZoneInfo

    pattern = "EEEE d MMMM y, HH:mm" if fmt == "full" else "HH:mm"
    if i18n.get_locale() == "zh_Hans":
        pattern = "y年M月d日 EEEE HH:mm" if fmt == "full" else "HH:mm"
    return format_datetime(aware(value), pattern, tzinfo=ZoneInfo(zone), locale=i18n.babel_locale())


def iso(value: datetime | None) -> str:
    """A moment for machines, as `<time datetime>` wants it: UTC, to the second (HTML allows
    at most three digits of a second; stored times have six)."""
    return aware(value).isoformat(timespec="seconds") if value else ""


def ago(value: datetime | None) -> str:
    """'3 days ago' in the reader's language."""
    if not value:
        return ""
    delta = aware(value) - utcnow()
    return format_timedelta(delta, add_direction=True, locale=i18n.babel_locale())


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
env.install_gettext_callables(
    lambda message, **kw: i18n.gettext(message, **kw),
    lambda s, p, n, **kw: i18n.ngettext(s, p, n, **kw),
    newstyle=True,
)
env.filters.update(
    markdown=markdown,
    date=fmt_date,
    datetime=fmt_datetime,
    iso=iso,
    ago=ago,
    datetime_in=datetime_in,
)
env.globals.update(
    static_url=static_url,
    query=query,
    here=here,
    LOCALES=i18n.LOCALES,
    status_label=labels.status_label,
    origin_label=labels.origin_label,
    sort_label=labels.sort_label,
    role_label=labels.role_label,
    outcome_label=labels.outcome_label,
    kind_label=labels.kind_label,
    mode_label=labels.mode_label,
    session_kind_label=labels.session_kind_label,
    audience_label=labels.audience_label,
    # The one way a template names an idea or shows its text: hidden ones only to staff and
    # their author (portal/ideas/names.py).
    idea_title=names.title,
    can_read_idea=idea_rules.can_read,
)
env.filters["zip_labels"] = lambda codes: [(c, labels.status_label(c)) for c in codes]
env.filters["category_name"] = lambda c: labels.category_label(c, i18n.get_locale())
# Anything named in both languages (`name`, `name_zh`): categories, teams.
env.filters["local_name"] = env.filters["category_name"]


def _unread(request: Request, user: Any) -> int:
    from portal import db
    from portal.notifications.queries import unread_count

    with db.read(request.app.state.engine) as session:
        return unread_count(session, user.id)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render `template` with the request, the signed-in user and the locale in its context."""
    from portal.accounts.auth import current_user
    from portal.setup.current import site
    from portal.web import flash_messages, take_flash

    flash_key = request.cookies.get("flash")
    user = current_user(request)
    ctx = {
        "unread_count": lambda: _unread(request, user),
        "flash": flash_messages().get(flash_key) if flash_key else None,
        "request": request,
        "user": user,
        "locale": i18n.get_locale(),
        "html_lang": i18n.HTML_LANG[i18n.get_locale()],
        "settings": request.app.state.settings,
        "site": site(request),
        "csrf_token": getattr(request.state, "csrf_token", ""),
        **(context or {}),
    }
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code, headers=headers)
    if flash_key:
        take_flash(request, response)
    return response
