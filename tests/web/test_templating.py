"""User text reaches HTML only through autoescaping or the Markdown filters (`html` for the
rendering stored with a row, `markdown` for the welcome text): no `|safe` or `Markup(` anywhere
else, no inline script or style that the CSP would block, and a
markdown filter that removes everything dangerous. And `<time datetime>` carries a moment in a
form HTML accepts."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from portal.core import db
from portal.core.markdown import ALLOWED_TAGS
from portal.ideas import services as ideas
from portal.settings import PACKAGE_DIR, TEMPLATES_DIR
from portal.web.templating import env, markdown

UNSAFE = re.compile(r"\|\s*safe\b|Markup\s*\(|autoescape\s+false|\.__html__")


class _Tags(HTMLParser):
    """Collects every tag and attribute of a fragment of HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _autoescaped(name: str) -> bool:
    return env.autoescape(name) if callable(env.autoescape) else bool(env.autoescape)


def _template_files() -> list:
    return [p for p in TEMPLATES_DIR.rglob("*") if p.is_file()]


# The scan ------------------------------------------------------------------------------


def test_templates_never_mark_text_safe():
    files = _template_files()
    assert len(files) > 10  # the scan must actually look at the templates
    offenders = [
        f"{path.relative_to(TEMPLATES_DIR)}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if UNSAFE.search(line)
    ]
    assert offenders == []


# What a template may print the `.title` of: sessions, decisions and their drafts, the
# timeline's sessions and decisions, form values, notification facts (already named for their
# reader).
NOT_IDEAS = {"w", "d", "decision", "draft", "item", "values", "f", "e"}
TITLE = re.compile(r"\b(\w+)\.title\b")


def test_templates_name_an_idea_only_through_idea_title():
    """A hidden idea is named only to staff and its author: templates print an idea's title
    through idea_title(idea, user), never as idea.title (portal/ideas/names.py)."""
    offenders = [
        f"{path.relative_to(TEMPLATES_DIR)}:{n}: {match.group(0)}"
        for path in _template_files()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        for match in TITLE.finditer(line)
        if match.group(1) not in NOT_IDEAS
    ]
    assert offenders == []


def test_python_marks_markup_safe_only_in_the_two_markdown_filters():
    hits = []
    for path in PACKAGE_DIR.rglob("*.py"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bMarkup\s*\(|\|\s*safe\b", line) and "import" not in line:
                hits.append(f"{path.relative_to(PACKAGE_DIR)}:{n}")
    assert len(hits) == 2 and all(hit.startswith("web/templating.py:") for hit in hits), hits
    source = (PACKAGE_DIR / "web" / "templating.py").read_text()
    for name, marked in (("markdown", "render"), ("html", "rendered")):
        body = source.split(f"def {name}(", 1)[1].split("\ndef ", 1)[0]
        assert f"Markup(stored_markdown.{marked}(" in body
    # What they mark is the sanitizer's output, stored or rendered now.
    renderer = (PACKAGE_DIR / "core" / "markdown.py").read_text()
    assert "return str(_cleaner.clean(html))" in renderer.split("def render(", 1)[1]


def test_templates_show_stored_markdown_never_render_it_again():
    # Every Markdown column is shown as the HTML stored when it was written (`|html("body")`);
    # the markdown filter is left for the texts no row stores: the site's welcome, and a
    # draft decision's texts, kept as the form staff last saved (read by staff and the
    # committee while it is drafted, rendered then).
    rendering = {
        path.relative_to(TEMPLATES_DIR).as_posix()
        for path in TEMPLATES_DIR.rglob("*.html")
        if re.search(r"\|\s*markdown\b", path.read_text())
    }
    assert rendering == {"home.html", "decisions/advise.html"}


def test_templates_have_no_inline_script_style_or_handlers():
    # The CSP has neither 'unsafe-inline' for scripts nor for styles; these would be blocked.
    pattern = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|hx-on|javascript:"
    )
    offenders = [
        f"{path.relative_to(TEMPLATES_DIR)}:{n}"
        for path in _template_files()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_environment_autoescapes_every_html_template():
    names = [p.relative_to(TEMPLATES_DIR).as_posix() for p in _template_files()]
    html_names = [n for n in names if n.endswith(".html")]
    assert html_names and all(_autoescaped(n) for n in html_names)
    rendered = env.from_string("{{ text }}").render(text='<script>alert("x")</script>')
    assert rendered == "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


# Time elements -------------------------------------------------------------------------

DATETIME_ATTRIBUTE = re.compile(r'datetime="\{\{(.*?)\}\}"')


def test_time_elements_name_the_moment_in_utc_to_the_second():
    """HTML allows at most three digits of a second in `datetime`; stored times have six.
    SQLite hands some back without their zone: they are UTC too."""
    template = env.from_string('<time datetime="{{ moment|iso }}">')
    aware = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    assert template.render(moment=aware) == '<time datetime="2026-03-04T05:06:07+00:00">'
    naive = aware.replace(tzinfo=None)
    assert template.render(moment=naive) == '<time datetime="2026-03-04T05:06:07+00:00">'
    assert template.render(moment=None) == '<time datetime="">'


def test_templates_write_every_datetime_attribute_through_the_iso_filter():
    found = [
        (f"{path.relative_to(TEMPLATES_DIR)}:{n}", match.group(1))
        for path in _template_files()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        for match in DATETIME_ATTRIBUTE.finditer(line)
    ]
    assert len(found) > 10  # the scan must actually find them
    assert [where for where, expression in found if not expression.strip().endswith("|iso")] == []


# The markdown filter -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "hello <script src='https://evil.example/x.js'></script> there",
        '<img src="x" onerror="alert(1)">',
        '<a href="https://example.org" onclick="alert(1)">click</a>',
        '<div class="x" style="position:fixed">raw html</div>',
        "<iframe src='https://evil.example'></iframe>",
        '<svg onload="alert(1)"></svg>',
        "![pic](https://evil.example/p.png)",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        "[x](vbscript:msgbox)",
        "<javascript:alert(1)>",
        "`<b>` and\n\n    <i>code</i>",
    ],
)
def test_markdown_leaves_no_dangerous_markup(source):
    html = str(markdown(source))
    for tag, attrs in _tags(html):
        assert tag in ALLOWED_TAGS, (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), html
            assert name in ("href", "title", "rel"), html
            if name == "href":
                assert re.match(r"(https?|mailto):", value or ""), html
    assert "<script" not in html and "<img" not in html and "<div" not in html


def test_markdown_escapes_raw_html_as_text():
    html = str(markdown("Hi <b>there</b> & <script>x</script>"))
    assert "&lt;b&gt;there&lt;/b&gt;" in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html


def test_markdown_links_get_rel_nofollow_ugc_noopener():
    html = str(markdown("[the library](https://library.example.org/opening)"))
    links = [attrs for tag, attrs in _tags(html) if tag == "a"]
    assert links == [
        {"href": "https://library.example.org/opening", "rel": "nofollow ugc noopener"}
    ]


def test_markdown_bare_addresses_become_safe_links():
    html = str(markdown("See https://library.example.org/hours for the hours."))
    links = [attrs for tag, attrs in _tags(html) if tag == "a"]
    assert links and links[0]["href"].startswith("https://library.example.org/hours")
    assert links[0]["rel"] == "nofollow ugc noopener"


def test_markdown_link_with_its_own_rel_is_overridden():
    html = str(markdown('[x](https://example.org "t")'))
    (tag, attrs), *_ = [(t, a) for t, a in _tags(html) if t == "a"]
    assert attrs["rel"] == "nofollow ugc noopener"
    assert attrs["title"] == "t"


def test_markdown_shifts_headings_down_to_h3():
    html = str(markdown("# Big\n\n## Middle\n\n### Small\n\n#### Smaller"))
    assert "<h1" not in html and "<h2" not in html
    assert html.count("<h3>") == 3
    assert "<h3>Big</h3>" in html and "<h3>Middle</h3>" in html
    assert "<h4>Smaller</h4>" in html


def test_markdown_keeps_ordinary_formatting():
    html = str(markdown("**bold** *em* ~~gone~~ `code`\n\n- one\n- two\n\n> quoted"))
    for tag in ("<strong>bold</strong>", "<em>em</em>", "<s>gone</s>", "<code>code</code>"):
        assert tag in html
    assert "<ul>" in html and "<blockquote>" in html


def test_markdown_of_nothing_is_empty():
    assert str(markdown(None)) == ""
    assert str(markdown("")) == ""


def test_markdown_output_is_not_escaped_twice_in_a_template():
    rendered = env.from_string("{{ body|markdown }}").render(body="**hi** <i>x</i>")
    assert "<strong>hi</strong>" in rendered
    assert "&lt;i&gt;x&lt;/i&gt;" in rendered


def test_idea_page_shows_hostile_text_inert(client, engine, category, patron):
    hostile = '<script>alert("t")</script><img src=x onerror=alert(1)>'
    with db.write(engine) as s:
        idea = ideas.propose(
            db=s, actor=patron, title=hostile[:60], body=hostile, category_id=category.id
        )
    for path in (f"/ideas/{idea.id}", "/ideas", "/"):
        html = client.get(path).text
        assert '<script>alert("t")' not in html, path
        assert "<img src=x" not in html, path
        assert not re.search(r"<img[^>]*onerror", html), path


def test_render_refuses_a_context_that_hides_a_template_global(client):
    from starlette.requests import Request

    from portal.web.templating import render

    request = Request({"type": "http", "app": client.app, "headers": [], "state": {}})
    with pytest.raises(ValueError, match=r"would hide the template globals \['url'\]"):
        render(request, "home.html", {"url": "https://example.org"})


@pytest.mark.parametrize("locale", ["en", "zh_Hans"])
def test_relative_time_says_what_babel_says_once_its_text_is_kept(locale):
    from babel.dates import format_timedelta

    from portal.core import i18n
    from portal.web.templating import relative

    # Around every boundary babel rounds at (0.85 of a unit, half units), both directions,
    # twice over: the second pass reads only kept texts, which must still be right.
    day = 86400
    seconds = [0, 0.4, 1, 29, 30, 44, 45, 50.9, 51, 52, 89, 90, 3059, 3061, 3600 * 20, 3600 * 21]
    seconds += [day * d + s for d in (1, 5, 6, 13, 25, 26, 29, 300, 310, 400, 800) for s in (0, 1)]
    seconds += [day * d + 3600 * 11 for d in range(60)] + [day * 365 * 3.4, day * 365 * 3.6]
    token = i18n.set_locale(locale)
    try:
        for _round in range(2):
            for s in seconds:
                for value in (s, -s):
                    expected = format_timedelta(
                        value, add_direction=True, locale=i18n.babel_locale()
                    )
                    assert relative(value) == expected, value
    finally:
        i18n._current.reset(token)


def test_ago_says_how_long_ago_in_the_readers_language():
    from datetime import timedelta

    from portal.core import i18n
    from portal.core.clock import utcnow
    from portal.web.templating import ago

    assert ago(utcnow() - timedelta(days=3, hours=1)) == "3 days ago"
    assert ago(utcnow() + timedelta(hours=2, minutes=1)) == "in 2 hours"
    token = i18n.set_locale("zh_Hans")
    try:
        assert ago(utcnow() - timedelta(days=3, hours=1)) == "3天前"
    finally:
        i18n._current.reset(token)
    assert ago(None) == ""
