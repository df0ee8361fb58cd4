"""No hostile text ever runs: the corpus (tests/security/corpus.py) is posted through every
text field, over the real routes, and read back from every place it is shown.

Each HTML response is parsed and every start tag and attribute is checked: no script but
ours, no event-handler attribute, no javascript:/data:/vbscript: address, no htmx attribute
that the templates do not write themselves, no frame, object, embed or foreign form, no image
or other embedded resource from another host. The Atom feed's HTML content is checked the same
way once unescaped, JSON is served as JSON, and every email is plain text.

Strings are batched where a field takes long text (several per body), and posted one per
request where the field is short (titles, names, reasons), so a few hundred requests cover the
corpus. Every response is also a robustness check: none may be a 500.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from portal.accounts import services as accounts
from portal.accounts.auth import COOKIE
from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import services as idea_services
from portal.notifications.worker import Worker
from portal.settings import TEMPLATES_DIR
from portal.workshops import services as workshop_services
from tests import factories as f
from tests.conftest import PASSWORD, Client, login_as, make_user
from tests.decisions import publish
from tests.security.corpus import ATTACKER, CORPUS, batches, has_nul
from tests.teams import team

CLEAN = [s for s in CORPUS if not has_nul(s)]
WITH_NUL = [s for s in CORPUS if has_nul(s)]
HX = {"HX-Request": "true"}
FUTURE = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
FUTURE_END = (utcnow() + timedelta(days=30, hours=2)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture(autouse=True)
def generous_limits(app: Any) -> None:
    """Rate limits would stop a few hundred posts by one person; they are not tested here."""
    app.state.rate_counter.factor = 1000


def joined(strings: list[str], sep: str = "\n\n") -> str:
    return sep.join(strings)


def body_batches(size: int = 10) -> list[str]:
    """The NUL-free corpus as Markdown bodies of `size` strings each."""
    return [joined(b) for b in batches(CLEAN, size)]


def line_batches(limit: int) -> list[str]:
    """The NUL-free corpus packed into single lines of at most `limit` characters (for short
    fields such as a title or a reason that several strings fit in)."""
    lines, line = [], ""
    for s in CLEAN:
        s = " ".join(s.split())[:limit]
        if line and len(line) + 1 + len(s) > limit:
            lines.append(line)
            line = ""
        line = f"{line} {s}".strip()
    return [*lines, line] if line else lines


# -- what the templates themselves write --------------------------------------------------


def _template_hx() -> dict[str, list[re.Pattern[str]]]:
    """Every hx-* attribute the templates write, with a pattern for its value: the template's
    text, where each {{ expression }} may only be an id, a token or a path of the site."""
    found: dict[str, list[re.Pattern[str]]] = {}
    pattern = re.compile(r"""["']?(hx-[a-z][\w:-]*)["']?\s*[=:]\s*(?:"([^"]*)"|'([^']*)')""")
    for path in TEMPLATES_DIR.rglob("*.html"):
        for m in pattern.finditer(path.read_text()):
            value = m.group(2) if m.group(2) is not None else m.group(3)
            parts = re.split(r"\{\{.*?\}\}", value)
            regex = r"[\w.\-=/]*".join(re.escape(p) for p in parts)
            found.setdefault(m.group(1), []).append(re.compile(regex))
    return found


TEMPLATE_HX = _template_hx()
OUR_META = {
    ("charset", "utf-8"),
    ("name", "viewport"),
    ("name", "htmx-config"),
}
HTMX_CONFIG = (
    '{"includeIndicatorStyles": false, "allowEval": false, "allowScriptTags": false, '
    '"defaultSettleDelay": 0}'
)
URL_ATTRS = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "poster",
    "background",
    "cite",
    "srcset",
    "ping",
    "codebase",
    "dynsrc",
    "lowsrc",
    "manifest",
    "icon",
    "longdesc",
    "usemap",
    "archive",
    "classid",
    "profile",
    "content",
}
EMBEDDING = {"src", "srcset", "poster", "data", "background", "dynsrc", "lowsrc", "codebase"}
FORBIDDEN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "style",
    "svg",
    "math",
    "template",
    "xmp",
    "plaintext",
    "isindex",
    "portal",
    "video",
    "audio",
    "source",
    "noscript",
    "marquee",
    "param",
}
BAD_SCHEMES = ("javascript:", "data:", "vbscript:", "livescript:", "mocha:")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _squeeze(url: str) -> str:
    """An address as a browser reads its scheme: control characters and spaces dropped."""
    return re.sub(r"[\x00-\x20\x7f]+", "", url).lower()


def html_problems(html: str) -> list[str]:
    """What in this HTML could run, load from elsewhere, or send a form elsewhere."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    problems: list[str] = []
    scripts = 0
    ids: Counter[str] = Counter()
    targets = {"main"}  # what the skip link and htmx swaps address by id
    for tag, attr_list in parser.tags:
        attrs = dict(attr_list)
        shown = f"<{tag} {attr_list}>"[:300]
        if tag == "script":
            scripts += 1
            if not (attrs.get("src") or "").startswith("/static/"):
                problems.append(f"script not ours: {shown}")
        if tag in FORBIDDEN_TAGS:
            problems.append(f"forbidden element: {shown}")
        if tag == "meta":
            key = (
                ("charset", (attrs.get("charset") or "").lower())
                if "charset" in attrs
                else ("name", attrs.get("name") or "")
            )
            if key not in OUR_META or "http-equiv" in attrs:
                problems.append(f"meta not ours: {shown}")
            if key == ("name", "htmx-config") and attrs.get("content") != HTMX_CONFIG:
                problems.append(f"htmx config changed: {shown}")
        if tag == "link" and not (
            attrs.get("rel") in ("stylesheet", "icon")
            and (attrs.get("href") or "").startswith("/static/")
        ):
            problems.append(f"link not ours: {shown}")
        if tag == "form":
            action = attrs.get("action") or ""
            if not action.startswith("/") or action.startswith("//"):
                problems.append(f"form not ours: {shown}")
        for name, value in attr_list:
            value = value or ""
            if name.startswith("on"):
                problems.append(f"event handler attribute: {shown}")
            if name == "style":
                problems.append(f"style attribute: {shown}")
            if name == "srcdoc":
                problems.append(f"srcdoc: {shown}")
            if name == "id":
                ids[value] += 1
            if name == "hx-target" and value.startswith("#"):
                targets.add(value[1:])
            if name.startswith("data-hx-") or name.startswith("hx-"):
                allowed = TEMPLATE_HX.get(name, [])
                if not any(p.fullmatch(value) for p in allowed):
                    problems.append(f"htmx attribute not from a template: {shown}")
            if name in URL_ATTRS:
                squeezed = _squeeze(value)
                if name == "content":
                    squeezed = squeezed.split("url=", 1)[-1] if "url=" in squeezed else ""
                if squeezed.startswith(BAD_SCHEMES):
                    problems.append(f"dangerous address in {name}: {shown}")
                if name in ("action", "formaction") and (
                    not value.startswith("/") or value.startswith("//")
                ):
                    problems.append(f"{name} to another site: {shown}")
                if name in EMBEDDING and (urlsplit(value.strip()).netloc or ATTACKER in value):
                    problems.append(f"resource from another host: {shown}")
    # A second element with the id that an htmx swap or the skip link aims at would take over.
    problems += [f"{n} elements with id {i!r}" for i, n in ids.items() if n > 1 and i in targets]
    raw_scripts = len(re.findall(r"<script\b", html, re.IGNORECASE))
    if raw_scripts != scripts:
        problems.append(f"{raw_scripts} '<script' in the text but {scripts} script elements")
    return problems


class Scan:
    """Every response of the test passes through here: never a 500, HTML that cannot run."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.responses = 0
        self.html_pages = 0

    def check(self, where: str, response: Any) -> Any:
        self.responses += 1
        if response.status_code >= 500:
            self.problems.append(f"{where}: {response.status_code}")
            return response
        kind = response.headers.get("content-type", "")
        if kind.startswith("text/html"):
            self.html(where, response.text)
        elif kind.startswith("application/json"):
            assert response.headers.get("x-content-type-options") == "nosniff", where
            if "<" in response.text:
                assert response.text.lstrip()[:1] in "[{", where
        return response

    def html(self, where: str, html: str) -> None:
        self.html_pages += 1
        self.problems += [f"{where}: {p}" for p in html_problems(html)]

    def assert_clean(self) -> None:
        assert self.html_pages > 0
        shown = "\n".join(self.problems[:40])
        assert not self.problems, f"{len(self.problems)} problems, the first:\n{shown}"


class Person:
    """A client signed in as one person, whose every response is scanned."""

    def __init__(self, client: Client, scan: Scan) -> None:
        self.client, self.scan = client, scan

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.scan.check(f"GET {url[:120]}", self.client.get(url, **kwargs))

    def post(self, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.scan.check(f"POST {url}", self.client.post(url, data, **kwargs))


@pytest.fixture
def scan() -> Iterator[Scan]:
    yield Scan()


@pytest.fixture
def people(app: Any, scan: Scan) -> Iterator[Any]:
    """people(user=None): a new client (signed in as `user` when given)."""
    with ExitStack() as stack:

        def make(user: Any = None) -> Person:
            client = stack.enter_context(Client(app, base_url="http://testserver"))
            if user is not None:
                login_as(client, user)
            return Person(client, scan)

        yield make


def pages(person: Person, url: str, headers: dict[str, str] | None = None) -> int:
    """Read every page of a paginated list; returns how many pages there were."""
    sep = "&" if "?" in url else "?"
    n = 0
    while True:
        n += 1
        r = person.get(f"{url}{sep}page={n}", headers=headers or {})
        assert r.status_code == 200
        if 'rel="next"' not in r.text or n > 100:
            return n


def new_idea(person: Person, category_id: int, title: str, body: str) -> int | None:
    """Propose through the form; None when the form refused it (the 400 page is scanned)."""
    r = person.post("/ideas/new", {"title": title, "body": body, "category_id": category_id})
    if r.status_code == 303:
        return int(r.headers["location"].rsplit("/", 1)[-1])
    assert r.status_code == 400, (title, r.status_code)
    return None


def test_the_html_checker_catches_what_it_must() -> None:
    """The checker itself: each kind of executable markup is reported, our own page is not."""
    bad = [
        "<script>alert(1)</script>",
        "<p onclick=alert(1)>x</p>",
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        '<img src="https://attacker.example/x.png">',
        '<div hx-post="/logout" hx-trigger="load"></div>',
        '<a data-hx-get="/x">x</a>',
        '<form action="https://attacker.example/"></form>',
        "<iframe></iframe>",
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<form hx-post="/ideas/1/vote" hx-target="#vote-1"></form><p id="vote-1">x</p>'
        '<p id="vote-1">y</p>',
        "<SCRIPT/x>alert(1)</SCRIPT>",
    ]
    for html in bad:
        assert html_problems(html), html
    ours = (
        '<script src="/static/js/htmx.js" defer></script>'
        '<form method="post" action="/ideas/3/vote" hx-post="/ideas/3/vote" hx-target="#vote-3" '
        'hx-swap="outerHTML"></form><a href="https://example.org/">x</a>'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; onerror=alert(1)</p>"
    )
    assert html_problems(ours) == []
    assert {"hx-get", "hx-post", "hx-target", "hx-swap", "hx-headers"} <= set(TEMPLATE_HX)


# -- people, ideas, votes, search, reports and hiding -----------------------------------


def sign_up(person: Person, email: str, name: str) -> str:
    """Create an account through the form with `name` (or, when the form refuses that name,
    with a plain one) and confirm it with the emailed link; `person` is signed in as it.
    Returns the session cookie."""
    r = person.post("/signup", {"email": email, "display_name": name, "password": PASSWORD})
    if r.status_code != 303:
        assert r.status_code == 400, (name, r.status_code)
        r = person.post("/signup", {"email": email, "display_name": "Plain", "password": PASSWORD})
        assert r.status_code == 303
    r = person.post(f.account_link(person.client.app.state.engine, email), {})
    assert r.status_code == 303
    return r.cookies[COOKIE]


def test_names_titles_bodies_reports_and_hide_reasons_never_run(
    app, engine, people, scan, staff, admin, other_patron, category
) -> None:
    staff_c, voter, visitor, newcomer = people(staff), people(other_patron), people(), people()
    hub = new_idea(people(make_user(engine)), category.id, "A hub idea to report", "Report me.")
    assert hub
    names, titles, bodies = line_batches(80), line_batches(120), body_batches(10)
    reasons, queries = line_batches(500), line_batches(200)
    sessions: list[str] = []
    ideas: list[int] = []
    for i, name in enumerate(names):
        sessions.append(sign_up(newcomer, f"naughty{i}@example.org", name))
        if i < len(titles):
            idea_id = new_idea(newcomer, category.id, titles[i], bodies[i % len(bodies)])
            assert idea_id, titles[i]
            ideas.append(idea_id)
            if i % 2 == 0:  # the button swapped in after a vote names the idea
                assert voter.post(f"/ideas/{idea_id}/vote", {}, headers=HX).status_code == 200
            if i % 5 == 4:
                visitor.get("/")
        if i < len(reasons):
            r = newcomer.post(
                "/report",
                {
                    "target_type": "idea",
                    "target_id": hub,
                    "reason": reasons[i],
                    "next": f"/ideas/{hub}",
                },
            )
            assert r.status_code == 303, r.text[:300]
    newcomer.get("/account")
    for s in WITH_NUL:  # refused with a message, never stored, never a 500
        assert new_idea(voter, category.id, s, "A body.") is None
        assert new_idea(voter, category.id, "A title", s) is None
        r = newcomer.post(
            "/signup", {"email": "nul@example.org", "display_name": s, "password": PASSWORD}
        )
        assert r.status_code == 400
    with db.write(engine) as s:
        for i in range(len(names)):
            accounts.set_committee(
                db=s, actor=admin, email=f"naughty{i}@example.org", member=True, listed=True
            )

    # Read it all back: idea pages, lists and their htmx partials, search, similar titles,
    # the JSON API, the staff desk with the reports, people, the committee page.
    for n, idea_id in enumerate(ideas):  # every body (the first ones), and names and titles
        if n < len(bodies) or n % 4 == 0:
            staff_c.get(f"/ideas/{idea_id}")
        if n % 10 == 0:
            visitor.get(f"/ideas/{idea_id}")
    assert pages(visitor, "/ideas?sort=new") == len(ideas) // 20 + 1
    pages(voter, "/ideas?sort=top", HX)
    for n, q in enumerate(queries):
        visitor.get(f"/ideas?q={quote(q)}")
        if n % 2 == 0:
            visitor.get(f"/ideas/similar?title={quote(q)}", headers=HX)
        if n % 3 == 0:
            voter.get(f"/ideas?q={quote(q)}&sort=new", headers=HX)
        if n % 6 == 0:
            staff_c.get(f"/staff/users?q={quote(q)}")
    visitor.get(
        f"/ideas?status={quote(queries[0])}&category={quote(queries[1])}"
        f"&origin={quote(queries[2])}&sort={quote(queries[3])}"
    )
    next_url: str | None = "/api/v1/ideas?sort=new"
    while next_url:
        r = visitor.get(next_url)
        assert r.headers["content-type"].startswith("application/json")
        next_url = r.json()["next"]
    visitor.get(f"/api/v1/ideas/{ideas[0]}")
    pages(staff_c, "/staff/users")
    staff_c.get("/staff")
    people(admin).get("/staff/audit")
    visitor.get("/committee")
    newcomer.get("/committee")

    # Staff hide ideas with hostile reasons; the author sees the reason, and so do staff.
    for i, reason in enumerate(reasons):
        r = staff_c.post(
            "/staff/moderation/hide",
            {"target_type": "idea", "target_id": ideas[i], "reason": reason},
        )
        assert r.status_code == 303, r.text[:300]
        newcomer.client.cookies.set(COOKIE, sessions[i], domain="testserver.local")
        newcomer.get(f"/ideas/{ideas[i]}")
        voter.post(f"/ideas/{ideas[i]}/vote", {"action": "remove"}, headers=HX)
    staff_c.get(f"/ideas/{ideas[0]}")
    staff_c.get("/staff")
    scan.assert_clean()
    assert scan.html_pages > 200


# -- comments, replies, edits, status responses, notifications ---------------------------


def test_comments_replies_and_status_responses_never_run(
    app, engine, people, scan, settings, patron, other_patron, staff, category
) -> None:
    author, replier, staff_c, visitor = (
        people(patron),
        people(other_patron),
        people(staff),
        people(),
    )
    idea_id = new_idea(author, category.id, "Hostile comments welcome", "Go on.")
    assert idea_id
    statuses = ["under_review", "planned", "piloting", "new"]
    reasons = line_batches(500)
    for n, body in enumerate(body_batches(10)):
        r = replier.post(f"/ideas/{idea_id}/comments", {"body": body})
        assert r.status_code == 303, r.text[:500]
        comment_id = int(r.headers["location"].rsplit("-", 1)[-1])
        r = author.post(f"/ideas/{idea_id}/comments", {"body": body, "parent_id": comment_id})
        assert r.status_code == 303
        reply_id = int(r.headers["location"].rsplit("-", 1)[-1])
        if n % 4 == 0:
            replier.get(f"/comments/{comment_id}/edit")
        r = replier.post(f"/comments/{comment_id}/edit", {"body": f"{body}\n\nedited"})
        assert r.status_code == 303
        r = staff_c.post(
            f"/ideas/{idea_id}/status", {"status": statuses[n % len(statuses)], "response": body}
        )
        assert r.status_code == 303, r.text[:500]
        if n < len(reasons):
            r = staff_c.post(
                "/staff/moderation/hide",
                {"target_type": "comment", "target_id": reply_id, "reason": reasons[n]},
            )
            assert r.status_code == 303
        if n % 2 == 1:
            visitor.get("/")
    for s in WITH_NUL:
        assert replier.post(f"/ideas/{idea_id}/comments", {"body": s}).status_code == 400
        r = staff_c.post(f"/ideas/{idea_id}/status", {"status": "planned", "response": s})
        assert r.status_code == 400
    for reason in reasons:
        r = replier.post("/report", {"target_type": "idea", "target_id": idea_id, "reason": reason})
        assert r.status_code == 303

    worker = Worker(settings, engine)
    while worker.fan_out_one():
        pass
    for person in (visitor, author, replier, staff_c):
        person.get(f"/ideas/{idea_id}")
    author.get("/")
    pages(author, "/notifications")
    replier.get("/notifications")
    staff_c.get("/staff")
    visitor.get(f"/api/v1/ideas/{idea_id}")
    scan.assert_clean()


# -- decisions, the Atom feed, follow-up answers -----------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_entries(scan: Scan, visitor: Person) -> int:
    """Parse the Atom feed; each entry's HTML content, unescaped, must be as safe as a page."""
    r = visitor.get("/feeds/decisions.atom")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(r.content)
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        scan.html(f"feed entry {entry.findtext(f'{ATOM}id')}", content.text or "")
        assert all(e.tag.startswith(ATOM) for e in entry.iter())  # no markup became XML
    return len(entries)


def test_decisions_feed_and_follow_ups_never_run(
    app, engine, people, scan, settings, patron, other_patron, staff, admin, category
) -> None:
    staff_c, visitor = people(staff), people()
    answers = [people(patron), people(other_patron)]
    hub = new_idea(answers[0], category.id, "Decide about this", "Please.")
    assert hub
    answers[1].post(f"/ideas/{hub}/vote", {"action": "add"})
    titles, texts = line_batches(160), body_batches(10)
    teams = made_teams(engine, admin)
    outcomes = ["adopted", "piloting", "declined", "deferred"]
    decisions: list[int] = []
    for i, title in enumerate(titles):
        r = staff_c.post(
            "/staff/decisions/new",
            {
                "title": title,
                "you_said": texts[i % len(texts)],
                "we_did": texts[(i + 1) % len(texts)],
                "outcome": outcomes[i % 4],
                "reason": texts[(i + 2) % len(texts)],
                "teams": [str(teams[i % len(teams)]), str(teams[(i + 1) % len(teams)])],
                "ideas": str(hub),
                "move_status": "1" if i % 10 == 0 else "",
                "pilot_start": "2020-01-01",
                "pilot_end": "2020-02-01",
                "review_date": "2020-03-01",  # overdue: the staff desk lists it
            },
        )
        assert r.status_code == 303, (title, r.text[:500])
        decisions.append(int(r.headers["location"].rsplit("/", 1)[-1]))
        if i % 20 == 19:
            assert feed_entries(scan, visitor) == 20
    feed_entries(scan, visitor)
    for s in WITH_NUL:
        r = staff_c.post(
            "/staff/decisions/new",
            {"title": s, "you_said": s, "we_did": s, "outcome": "adopted", "teams": s},
        )
        assert r.status_code == 400
    feed_entries(scan, visitor)

    worker = Worker(settings, engine)
    while worker.fan_out_one():
        pass
    follow_ups = body_batches(5)
    for i, decision_id in enumerate(decisions):
        r = answers[i % 2].post(
            f"/you-said-we-did/{decision_id}/follow-up",
            {"rating": str(i % 5 + 1), "comment": follow_ups[i % len(follow_ups)]},
        )
        assert r.status_code == 303, r.text[:300]
        visitor.get(f"/you-said-we-did/{decision_id}")
        if i % 6 == 0:  # refused: the page comes back with the text in the form
            r = answers[i % 2].post(
                f"/you-said-we-did/{decision_id}/follow-up",
                {"rating": "9", "comment": follow_ups[(i + 1) % 5]},
            )
            assert r.status_code == 400
            staff_c.get(f"/you-said-we-did/{decision_id}")
    pages(visitor, "/you-said-we-did")
    pages(visitor, "/you-said-we-did?outcome=declined")
    r = visitor.get("/api/v1/decisions")
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["data"]
    staff_c.get("/staff")
    staff_c.get(f"/staff/decisions/new?ideas={quote(titles[0])}")
    visitor.get(f"/ideas/{hub}")
    answers[0].get(f"/ideas/{hub}")
    visitor.get("/scorecard")
    pages(answers[1], "/notifications")
    scan.assert_clean()


# -- setting up: the site's settings, categories, teams, corrected decisions --------------

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def one_line(strings: list[str]) -> list[str]:
    """Names as a name field takes them: without control characters (refused there), once
    each whatever the letter case (a second one is refused as taken)."""
    kept: dict[str, str] = {}
    for s in strings:
        name = " ".join(CONTROL.sub("", s).split())
        if name:
            kept.setdefault(name.casefold(), name)
    return list(kept.values())


def made_teams(engine: Any, admin: Any) -> list[int]:
    """Teams named with the corpus, added by an admin through the service."""
    return [team(engine, admin, name).id for name in one_line(line_batches(120))]


def test_settings_categories_teams_and_corrections_never_run(
    app, engine, people, scan, patron, staff, admin
) -> None:
    """An admin's words reach every page (the site's name is in every header and title, the
    welcome text on the home page, the contact address in every footer), and categories and
    teams are named on cards, filters, forms and decisions."""
    admin_c, staff_c, visitor, author = people(admin), people(staff), people(), people(patron)
    names, texts = one_line(line_batches(80)), body_batches(10)
    addresses = [s for s in CLEAN if "@" in s][:40] + [f"{s[:40]}@example.org" for s in CLEAN[:40]]
    for i, name in enumerate(names):
        r = admin_c.post(
            "/staff/settings",
            {
                "site_name": name,
                "welcome_en": texts[i % len(texts)],
                "welcome_zh": texts[(i + 1) % len(texts)],
                "contact_email": addresses[i % len(addresses)],
                "response_days": "14",
            },
        )
        assert r.status_code in (303, 400), r.text[:300]
        if r.status_code == 400:  # an address refused: the rest goes through
            r = admin_c.post(
                "/staff/settings",
                {"site_name": name, "welcome_en": texts[i % len(texts)], "response_days": "14"},
            )
            assert r.status_code == 303, r.text[:300]
        if i % 4 == 0:
            visitor.get("/")
            visitor.get("/scorecard")
            admin_c.get("/staff/settings")
            feed = visitor.client.get("/feeds/decisions.atom")
            assert ET.fromstring(feed.content).tag.endswith("feed")
    for s in [*WITH_NUL, *(s for s in CLEAN if CONTROL.search(s))]:
        r = admin_c.post("/staff/settings", {"site_name": s, "welcome_en": s, "response_days": s})
        assert r.status_code == 400
        for path in ("/staff/categories", "/staff/teams"):
            assert admin_c.post(path, {"name": s, "name_zh": s}).status_code == 400
    categories, teams = [], []
    for i, name in enumerate(names):
        r = admin_c.post("/staff/categories", {"name": name, "name_zh": names[-1 - i]})
        if r.status_code == 303:
            categories.append(name)
        r = admin_c.post(
            "/staff/teams",
            {"name": name, "name_zh": names[-1 - i], "description": texts[i % len(texts)]},
        )
        if r.status_code == 303:
            teams.append(int(r.headers["location"].rsplit("/", 1)[1]))
            admin_c.get(r.headers["location"])
    assert categories and teams
    admin_c.get("/staff/categories")
    admin_c.post(f"/staff/teams/{teams[0]}/members", {"email": staff.email})
    admin_c.post(f"/staff/teams/{teams[0]}/members", {"email": CLEAN[0][:200]})
    staff_c.get(f"/staff/teams/{teams[0]}")
    pages(staff_c, "/staff/teams")
    new_form = author.get("/ideas/new").text
    ids = re.findall(r'<option value="(\d+)"', new_form)
    for n, category_id in enumerate(ids):
        new_idea(author, int(category_id), f"Idea {n}", texts[n % len(texts)])
    pages(visitor, "/ideas?sort=new")
    for c in author.get("/ideas").text.split('name="category"', 1)[1].split("</select>")[0:1]:
        for slug in re.findall(r'<option value="([^"]+)"', c):
            visitor.get(f"/ideas?category={quote(slug)}")
    staff_c.get("/staff/decisions/new")
    r = staff_c.post(
        "/staff/decisions/new",
        {
            "title": names[0],
            "you_said": texts[0],
            "we_did": texts[1],
            "outcome": "adopted",
            "teams": [str(t) for t in teams[:5]],
        },
    )
    assert r.status_code == 303, r.text[:300]
    decision = r.headers["location"]
    for i, text in enumerate(texts):
        r = staff_c.post(
            f"{decision}/correct",
            {
                "title": names[i + 1],
                "you_said": text,
                "we_did": texts[-1 - i],
                "reason": text,
                "teams": [str(teams[i % len(teams)])],
            },
        )
        assert r.status_code == 303, r.text[:300]
    staff_c.get(f"{decision}/correct")
    for who in (visitor, staff_c):
        who.get(decision)
        who.get(f"{decision}/history")
        pages(who, "/you-said-we-did")
    assert visitor.get("/api/v1/decisions").json()["data"][0]["teams"]
    feed = visitor.client.get("/feeds/decisions.atom")
    ET.fromstring(feed.content)
    admin_c.get("/staff")
    scan.assert_clean()


# -- design sessions: schedule, register with access needs, notes and outcomes ----------


def test_sessions_registrations_and_notes_never_run(
    app, engine, people, scan, patron, committee, staff, category
) -> None:
    staff_c, visitor, member, registrant = (
        people(staff),
        people(),
        people(committee),
        people(patron),
    )
    hub = new_idea(registrant, category.id, "Discuss this", "In a session.")
    assert hub
    titles, places, texts = line_batches(160), line_batches(200), body_batches(10)
    needs = body_batches(8)
    sessions: list[int] = []
    for i, title in enumerate(titles):
        r = staff_c.post(
            "/staff/sessions/new",
            {
                "title": title,
                "description": texts[i % len(texts)],
                "kind": "workshop",
                "starts_at": FUTURE,
                "ends_at": FUTURE_END,
                "timezone": "UTC",
                "place": places[i % len(places)],
                "online_link": "https://example.org/meet",
                "capacity": "5",
                "audience": "committee" if i % 5 == 0 else "public",
                "agenda": str(hub),
            },
        )
        assert r.status_code == 303, (title, r.text[:800])
        workshop_id = int(r.headers["location"].rsplit("/", 1)[-1])
        sessions.append(workshop_id)
        who = member if i % 5 == 0 else registrant
        r = who.post(f"/sessions/{workshop_id}/register", {"access_needs": needs[i % len(needs)]})
        assert r.status_code == 303, r.text[:300]
        if i < len(texts):
            r = staff_c.post(
                f"/sessions/{workshop_id}/notes",
                {"notes": texts[(i + 1) % len(texts)], "outcomes": texts[(i + 2) % len(texts)]},
            )
            assert r.status_code == 303, r.text[:300]
        if i < len(places) or i % 3 == 0:  # staff see it all: access needs too
            staff_c.get(f"/sessions/{workshop_id}")
        if i % 6 == 0:
            visitor.get(f"/sessions/{workshop_id}")
            who.get(f"/sessions/{workshop_id}")
            staff_c.get(f"/sessions/{workshop_id}/edit")
    for s in WITH_NUL:
        r = staff_c.post(
            "/staff/sessions/new",
            {
                "title": s,
                "description": s,
                "kind": "workshop",
                "starts_at": FUTURE,
                "ends_at": FUTURE_END,
                "timezone": "UTC",
                "place": s,
                "capacity": "5",
                "audience": "public",
            },
        )
        assert r.status_code == 400
        r = staff_c.post(f"/sessions/{sessions[1]}/notes", {"notes": s, "outcomes": s})
        assert r.status_code == 400
        r = people(make_user(engine)).post(f"/sessions/{sessions[1]}/register", {"access_needs": s})
        assert r.status_code == 400
    pages(visitor, "/sessions")
    pages(member, "/sessions")
    member.get("/committee")
    r = visitor.get("/api/v1/sessions")
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["data"]
    for url in ("/sessions.ics", f"/sessions/{sessions[1]}.ics"):
        assert visitor.get(url).headers["content-type"].startswith("text/calendar")
    visitor.get(f"/ideas/{hub}")
    member.get(f"/ideas/{hub}")
    r = staff_c.post(
        "/staff/sessions/new", {"action": "top_ideas", "title": titles[0], "description": texts[0]}
    )
    assert r.status_code == 200
    scan.assert_clean()


# -- email: plain text only --------------------------------------------------------------


def test_emails_about_hostile_text_are_plain_text(
    app, engine, people, scan, worker, smtp_server, patron, other_patron, staff, category
) -> None:
    """What people wrote reaches email only as text: every message is a single text/plain
    part (no HTML alternative that a mail program would render), with a one-line subject."""
    titles, texts = line_batches(120), body_batches(10)
    ideas = []
    for n, title in enumerate(titles):  # one email to the author each: a comment or a status
        idea = f.idea(engine, patron, category, title=title, body=texts[n % len(texts)])
        ideas.append(idea.id)
        if n % 2:
            f.comment(engine, other_patron, idea.id, texts[n // 2 % len(texts)])
        else:
            with db.write(engine) as s:
                idea_services.change_status(
                    db=s,
                    actor=staff,
                    idea_id=idea.id,
                    status="planned",
                    response=texts[n // 2 % len(texts)],
                )
    for n, title in enumerate(line_batches(160)[::3]):
        publish(
            engine,
            staff,
            [ideas[n]],
            title=title,
            you_said=texts[n % len(texts)],
            we_did=texts[(n + 3) % len(texts)],
            move_status="",
        )
    soon = utcnow() + timedelta(hours=20)
    for title in line_batches(160)[:5]:
        with db.write(engine) as s:
            w = workshop_services.schedule(
                db=s,
                actor=staff,
                default_zone="UTC",
                form={
                    "title": title,
                    "description": texts[0],
                    "kind": "workshop",
                    "starts_at": soon.strftime("%Y-%m-%dT%H:%M"),
                    "timezone": "UTC",
                    "ends_at": (soon + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                    "place": title,
                    "capacity": "1",
                    "audience": "public",
                },
            )
        for who in (other_patron, patron):
            with db.write(engine) as s:
                workshop_services.register(db=s, actor=who, workshop_id=w.id)
        with db.write(engine) as s:  # the waitlisted author is promoted and told
            workshop_services.cancel_registration(db=s, actor=other_patron, workshop_id=w.id)
    for _ in range(500):
        if not worker.step():
            break
    messages = smtp_server.messages
    assert len(messages) >= len(titles)
    for message in messages:
        subject = str(message["Subject"])
        assert message.get_content_type() == "text/plain", subject
        assert not message.is_multipart(), subject
        assert [p.get_content_type() for p in message.walk()] == ["text/plain"]
        assert "\n" not in subject and "\r" not in subject
        assert message.get_content().strip()
    assert smtp_server.by_recipient(patron.email) and smtp_server.by_recipient(other_patron.email)
    people(patron).get("/notifications")
    people(other_patron).get("/notifications")
    scan.assert_clean()
