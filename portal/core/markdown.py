"""User Markdown, rendered and sanitized once, when it is written.

`render` turns Markdown into the HTML that pages show: headings shifted down to h3, only the
tags in `ALLOWED_TAGS`, links marked nofollow. Sanitizing is the slow part of a page with many
comments, so a table with Markdown columns stores the HTML beside each source column
(`body` -> `body_html`) with the renderer's `VERSION` in `html_version`; pages show the stored
HTML (the `html` template filter) and never sanitize.

A table declares its Markdown columns with `stored(Model, "body", ...)`. Every ORM flush that
adds such a row, changes one of its sources or finds its version stale renders the row's HTML
again (`_render_on_flush`), so no service has to remember to. Writes that bypass the ORM (bulk
seeding, an older renderer's rows after an upgrade) leave rows stale: the page renders those on
the fly, and `rerender_stale` (run by `portal migrate` and `portal check --repair`) brings them
up to date in batches.
"""

from __future__ import annotations

from functools import lru_cache, partial
from importlib.metadata import version as package_version
from typing import Any

import bleach
from bleach.linkifier import LinkifyFilter
from markdown_it import MarkdownIt
from sqlalchemy import (
    Connection,
    bindparam,
    column,
    event,
    func,
    inspect,
    or_,
    select,
    table,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnClause

from portal.core.integrity import Finding

# Bump RULES whenever ALLOWED_TAGS, the attributes, the protocols or the Markdown options
# below change: every stored rendering then counts as stale. Library upgrades count too.
RULES = 1
VERSION = (
    f"{RULES}:markdown-it-py {package_version('markdown-it-py')}:bleach {package_version('bleach')}"
)

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
def render(text: str | None) -> str:
    """User Markdown as sanitized HTML. Headings are shifted down to h3 so user text never
    competes with the page's own headings."""
    # Kept per process for what is not stored (the site's welcome text, stale rows).
    html = _md.render(text or "")
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return str(_cleaner.clean(html))


# Each table with Markdown columns: its model class -> (table name, source columns).
STORED: dict[type, tuple[str, tuple[str, ...]]] = {}


def stored(model: type, *sources: str) -> None:
    """Declare `sources` of `model` Markdown, rendered into `<source>_html` columns, with
    `html_version`, whenever a row is written through the ORM."""
    STORED[model] = (str(model.__tablename__), sources)  # type: ignore[attr-defined]


def is_current(row: object) -> bool:
    """Whether `row`'s stored HTML was rendered by this renderer."""
    return getattr(row, "html_version", None) == VERSION


def rendered(row: object, source: str) -> str:
    """The HTML of `row`'s Markdown column `source`: the stored rendering when it is current,
    or else rendered now (correct, just slower, until `rerender_stale` has run)."""
    html = getattr(row, f"{source}_html", None)
    if html is not None and is_current(row):
        return str(html)
    return render(getattr(row, source))


def render_row(row: Any, sources: tuple[str, ...]) -> None:
    """Render every Markdown column of `row` into its `_html` column, and stamp the version."""
    for source in sources:
        setattr(row, f"{source}_html", render(getattr(row, source)))
    row.html_version = VERSION


@event.listens_for(Session, "before_flush")
def _render_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    for row in list(session.new) + list(session.dirty):
        entry = STORED.get(type(row))
        if entry is None:
            continue
        sources = entry[1]
        state = inspect(row)
        changed = any(state.attrs[s].history.has_changes() for s in sources)
        if row in session.new or changed or not is_current(row):
            render_row(row, sources)


def rerender_stale(
    conn: Connection, name: str, sources: tuple[str, ...], batch: int = 500, commit: bool = False
) -> int:
    """Render again, `batch` rows per statement, every row of table `name` whose HTML is
    missing or from another renderer; with `commit`, commit each batch (so that a long run
    never holds SQLite's one writer lock for long). Returns how many rows it rendered."""
    t = table(name, column("id"), column("html_version"), *(column(s) for s in sources))
    t_html = table(
        name, column("id"), column("html_version"), *(column(f"{s}_html") for s in sources)
    )
    done, after = 0, 0
    while True:
        rows = conn.execute(
            select(t).where(_stale(t.c.html_version), t.c.id > after).order_by(t.c.id).limit(batch)
        ).all()
        if not rows:
            return done
        params = [
            {"row_id": row.id, **{f"new_{s}": render(row._mapping[s]) for s in sources}}
            for row in rows
        ]
        values: dict[str, Any] = {f"{s}_html": bindparam(f"new_{s}") for s in sources}
        conn.execute(
            update(t_html)
            .where(t_html.c.id == bindparam("row_id"))
            .values(html_version=VERSION, **values),
            params,
        )
        if commit:
            conn.commit()
        done += len(rows)
        after = rows[-1].id


def count_stale(conn: Connection, name: str) -> int:
    """How many rows of table `name` have HTML missing or from another renderer."""
    version: ColumnClause[Any] = column("html_version")
    query = select(func.count()).select_from(table(name, version)).where(_stale(version))
    return int(conn.execute(query).scalar_one())


def _stale(version: Any) -> Any:
    return or_(version.is_(None), version != VERSION)


def rerender_all(conn: Connection) -> int:
    """Bring every declared table's renderings up to date, a batch per transaction (`portal
    migrate`, after a bulk load)."""
    return sum(
        rerender_stale(conn, name, sources, commit=True) for name, sources in STORED.values()
    )


def check(db: Session, repair: bool) -> list[Finding]:
    """`portal check`: rows whose HTML is missing or from another renderer; `--repair`
    renders them again."""
    findings = []
    for name, sources in STORED.values():
        stale = count_stale(db.connection(), name)
        if stale and repair:
            rerender_stale(db.connection(), name, sources)
        if stale:
            problem = f"{stale} rows rendered by another version of the Markdown renderer"
            findings.append(Finding(f"table {name}", problem, repaired=repair))
    return findings
