"""Templates build every local address from a route name (`url("ideas:detail", id=3)`), and
every form that posts carries its token through the `csrf()` macro of templates/_forms.html.

Read from the templates' source: the addresses in href, action, src and hx-* attributes, the
strings inside `{{ }}` and `{% %}` (Jinja's own parser), and the plain text around them (an
email's `{{ base_url }}/ideas/...`). A route's first path segment ("/ideas", "/staff") in any
of them is an address written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from jinja2 import nodes
from starlette.routing import BaseRoute, NoMatchFound

from portal.app import routes
from portal.settings import TEMPLATES_DIR
from portal.web import urls
from portal.web.templating import env

JINJA = r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}"
# An attribute that holds an address; its value may hold Jinja with quotes of its own.
ADDRESS_ATTRIBUTE = re.compile(
    r"""\s(href|action|formaction|src|hx-(?:get|post|put|patch|delete))\s*=\s*"""
    rf"""("((?:{JINJA}|[^"])*)"|'((?:{JINJA}|[^'])*)')""",
    re.S,
)
EXTERNAL = re.compile(r"^(https?:|mailto:|tel:)")
FORM = re.compile(r"<form\b(?P<tag>[^>]*)>(?P<body>.*?)</form>", re.S)
TOKEN_FIELD = re.compile(r"""name\s*=\s*["']?csrf_token""")


def _segments(found: list[BaseRoute]) -> set[str]:
    out: set[str] = set()
    for route in found:
        first = getattr(route, "path", "").lstrip("/").split("/")[0]
        if first and "{" not in first:
            out.add(first)
        out |= _segments(list(getattr(route, "routes", [])))
    return out


# "/ideas", "/staff", "/you-said-we-did", "/sessions.ics"...: the start of a local address.
ROUTE_PATH = re.compile(
    # (not a file's path nor a foreign address; a placeholder before it is a base being joined)
    r"(?:(?<![\w.:/<-])|(?<=%s)|(?<=%d)|(?<=\}))/(?:"
    + "|".join(sorted((re.escape(s) for s in _segments(routes())), key=len, reverse=True))
    + r")(?![\w-])"
)


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _literal(value: str) -> str:
    """An attribute's value without its Jinja: what is written by hand."""
    return re.sub(JINJA, "\0", value, flags=re.S)


def address_problems(source: str) -> Iterator[tuple[int, str]]:
    """(line, why) for each address in `source` that is written by hand."""
    for match in ADDRESS_ATTRIBUTE.finditer(source):
        value = match.group(3) if match.group(3) is not None else match.group(4)
        written = _literal(value)
        if EXTERNAL.match(written):
            continue
        if "/" in written.replace("\0", ""):
            yield _line(source, match.start()), f'{match.group(1)}="{value}"'
    for node in env.parse(source).find_all(nodes.Const):
        if isinstance(node.value, str) and (
            node.value.startswith("/") or ROUTE_PATH.search(node.value)
        ):
            yield node.lineno, f"the string {node.value!r}"
    for node in env.parse(source).find_all(nodes.TemplateData):
        text = ADDRESS_ATTRIBUTE.sub(" ", node.data)  # those were looked at above
        for found in ROUTE_PATH.finditer(text):
            yield node.lineno + node.data.count("\n", 0, found.start()), f"the text {found[0]!r}"


def csrf_problems(source: str) -> Iterator[tuple[int, str]]:
    """(line, why) for each token field written by hand, and each form that posts without
    `{{ csrf() }}`."""
    for match in TOKEN_FIELD.finditer(source):
        yield _line(source, match.start()), "a csrf_token field written by hand"
    for form in FORM.finditer(source):
        posts = re.search(r"""method\s*=\s*["']?post""", form["tag"], re.I)
        if posts and not re.search(r"\{\{\s*csrf\(\)\s*\}\}", form["body"]):
            yield _line(source, form.start()), "a form that posts without {{ csrf() }}"


def url_calls(source: str) -> Iterator[tuple[int, str, list[str]]]:
    """(line, route name, parameter names) of each `url(...)` in `source`."""
    for call in env.parse(source).find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "url":
            first = call.args[0] if call.args else None
            name = first.value if isinstance(first, nodes.Const) else repr(first)
            params = [k.key for k in call.kwargs if k.key not in ("query", "fragment")]
            yield call.lineno, name, params


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES_DIR.rglob("*") if p.suffix in (".html", ".txt"))


def _each(scan) -> list[str]:
    return [
        f"{path.relative_to(TEMPLATES_DIR)}:{line}: {why}"
        for path in _templates()
        for line, why in scan(path.read_text(encoding="utf-8"))
    ]


def test_templates_write_no_local_address_by_hand():
    assert _each(address_problems) == []


def test_templates_carry_the_token_only_through_the_csrf_macro():
    forms = [p for p in _templates() if p.name != "_forms.html"]
    problems = [
        f"{path.relative_to(TEMPLATES_DIR)}:{line}: {why}"
        for path in forms
        for line, why in csrf_problems(path.read_text(encoding="utf-8"))
    ]
    assert problems == []


def test_templates_name_only_routes_that_exist(client):
    problems = []
    for path in _templates():
        for line, name, params in url_calls(path.read_text(encoding="utf-8")):
            try:
                urls.path_for(name, **dict.fromkeys(params, 1))
            except NoMatchFound:
                problems.append(f"{path.relative_to(TEMPLATES_DIR)}:{line}: {name} {params}")
    assert problems == []


@pytest.mark.parametrize(
    "source",
    [
        '<a href="/ideas">',
        '<a href="/">',
        '<a href="/ideas/{{ idea.id }}#history">',
        "<form action='/staff/teams/{{ t.id }}/archive'>",
        '<form hx-post="/ideas/{{ id }}/vote">',
        '<img src="/static/x.png">',
        '<a href="{{ base }}/ideas/{{ id }}">',
        "{{ '/ideas/' ~ idea.id }}",
        '{{ input("t", attrs={"hx-get": "/ideas/similar"}) }}',
        "{{ '%s/comments/%d' % (base, id) }}",
        "{% if request.url.path.startswith('/staff') %}x{% endif %}",
        "{{ settings.source_url or '/source.tar.gz' }}",
        "Read it: {{ base_url }}/you-said-we-did/{{ id }}",
    ],
)
def test_address_scan_finds_an_address_written_by_hand(source):
    assert list(address_problems(source)), source


@pytest.mark.parametrize(
    "source",
    [
        """<a href="{{ url('ideas:detail', id=idea.id, fragment='history') }}">""",
        '<a href="{{ url("ideas:index", query={"sort": "trending"}) }}">',
        "<link href=\"{{ static_url('css/site.css') }}\">",
        '<a href="https://example.org/ideas/">',
        '<a href="mailto:{{ email }}">',
        '<a href="#{{ name }}">',
        '<a href="{{ query(request, page=2) }}{{ anchor }}">',
        "<p>{{ _('Read it: %(url)s', url=url) }}</p></div></form>",
        "{{ base_url }}{{ url('decisions:detail', id=id) }}",
    ],
)
def test_address_scan_lets_a_built_address_pass(source):
    assert list(address_problems(source)) == [], source


def test_csrf_scan_finds_a_hand_written_field_and_a_bare_form():
    hand = '<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token }}">'
    assert [why for _, why in csrf_problems(hand + "</form>")] == [
        "a csrf_token field written by hand",
        "a form that posts without {{ csrf() }}",
    ]
    assert list(csrf_problems('<form method="post">{{ csrf() }}</form>')) == []
    assert list(csrf_problems('<form method="get" role="search"></form>')) == []
