"""User Markdown is rendered and sanitized once, when it is written: the row keeps the HTML
beside its source with the renderer's version, pages show that HTML, and rows rendered by
another version are rendered again (on the fly when read, for good by `portal check --repair`
and `portal migrate`)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from sqlalchemy import text

from portal import domains
from portal.accounts.models import User
from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db, markdown
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.web.templating import markdown as markdown_filter
from tests import factories as f
from tests.conftest import login_as
from tests.test_query_counts import statements

HOSTILE = (
    'Hello <script>alert(1)</script> <a href="https://x.example" onclick="alert(2)">x</a> '
    "[y](javascript:alert(3)) **bold**"
)


@pytest.fixture
def idea(engine, other_patron, category):
    return f.idea(engine, other_patron, category, title="Board games", body="We *need* games.")


def row(engine, model, row_id):
    with db.read(engine) as s:
        return s.get(model, row_id)


def test_stored_markdown_of_a_new_comment_is_what_the_filter_renders(client, engine, patron, idea):
    login_as(client, patron)
    _, comment_id = f.post_comment(client, idea.id, "I would *love* this. https://example.org")
    comment = row(engine, Comment, comment_id)
    assert comment.body_html == str(markdown_filter(comment.body))
    assert "<em>love</em>" in comment.body_html
    assert comment.html_version == markdown.VERSION
    stored_idea = row(engine, Idea, idea.id)
    assert stored_idea.body_html == "<p>We <em>need</em> games.</p>\n"


def test_stored_markdown_never_keeps_script_or_handlers(client, engine, patron, idea):
    login_as(client, patron)
    _, comment_id = f.post_comment(client, idea.id, HOSTILE)
    stored = row(engine, Comment, comment_id).body_html
    tags = Tags()
    tags.feed(stored)
    assert "script" not in tags.names and "<strong>bold</strong>" in stored
    assert not [name for name, _ in tags.attrs if name.startswith("on")]
    assert not [v for name, v in tags.attrs if name == "href" and "javascript" in v.lower()]


class Tags(HTMLParser):
    """Every element and attribute of some HTML, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.attrs: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)
        self.attrs += [(name, value or "") for name, value in attrs]


def test_stored_markdown_is_rendered_again_when_the_text_is_edited(engine, patron, idea):
    comment = f.comment(engine, patron, idea.id, body="first *take*")
    with db.write(engine) as s:
        comments.edit(db=s, actor=patron, comment_id=comment.id, body="second **take**")
    assert row(engine, Comment, comment.id).body_html == "<p>second <strong>take</strong></p>\n"
    with db.write(engine) as s:
        ideas.edit(
            db=s,
            actor=idea_author(engine, idea),
            idea_id=idea.id,
            title=idea.title,
            body="Now *chess* too.",
            category_id=idea.category_id,
        )
    assert row(engine, Idea, idea.id).body_html == "<p>Now <em>chess</em> too.</p>\n"


def idea_author(engine, idea):
    with db.read(engine) as s:
        return s.get(User, idea.author_id)


def test_pages_show_the_stored_html_without_rendering_it_again(client, engine, patron, idea):
    comment = f.comment(engine, patron, idea.id, body="plain words")
    with db.write(engine) as s:
        s.execute(
            text("UPDATE comment SET body_html = '<p>kept <em>rendering</em></p>' WHERE id = :id"),
            {"id": comment.id},
        )
    page = client.get(f"/ideas/{idea.id}").text
    assert "kept <em>rendering</em>" in page and "plain words" not in page


def test_stored_markdown_of_another_version_is_rendered_again(
    client, engine, patron, idea, monkeypatch
):
    comment = f.comment(engine, patron, idea.id, body="an *old* text")
    with db.write(engine) as s:
        s.execute(
            text("UPDATE comment SET body_html = '<p>old rendering</p>' WHERE id = :id"),
            {"id": comment.id},
        )
    monkeypatch.setattr(markdown, "VERSION", "a later renderer")
    # Read before the repair: correct, rendered on the fly.
    page = client.get(f"/ideas/{idea.id}").text
    assert "an <em>old</em> text" in page and "old rendering" not in page
    report = domains.check(engine)
    assert any(finding.subject == "table comment" for finding in report.findings)
    domains.check(engine, repair=True)
    stored = row(engine, Comment, comment.id)
    assert stored.html_version == "a later renderer"
    assert stored.body_html == "<p>an <em>old</em> text</p>\n"
    assert row(engine, Idea, idea.id).html_version == "a later renderer"
    assert domains.check(engine).findings == []


def test_rows_written_without_the_orm_are_rendered_by_migrate(engine, patron, idea):
    comment = f.comment(engine, patron, idea.id, body="bulk *loaded*")
    with db.write(engine) as s:
        s.execute(text("UPDATE comment SET body_html = NULL, html_version = NULL"))
    with engine.connect() as conn:
        assert markdown.rerender_all(conn) == 1
    assert row(engine, Comment, comment.id).body_html == "<p>bulk <em>loaded</em></p>\n"


def test_idea_page_runs_the_same_statements_with_stale_and_current_renderings(
    client, engine, patron, idea, monkeypatch
):
    for n in range(5):
        f.comment(engine, patron, idea.id, body=f"comment *{n}*")
    login_as(client, patron)
    client.get(f"/ideas/{idea.id}")
    with statements(engine) as current:
        current_page = client.get(f"/ideas/{idea.id}").text
    monkeypatch.setattr(markdown, "VERSION", "a later renderer")
    with statements(engine) as stale:
        stale_page = client.get(f"/ideas/{idea.id}").text
    assert len(stale) == len(current)
    assert "comment <em>4</em>" in current_page and "comment <em>4</em>" in stale_page
