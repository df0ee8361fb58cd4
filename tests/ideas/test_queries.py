"""Ideas queries: sorts, filters, full-text search (SQLite FTS5 and PostgreSQL), pagination,
similar titles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.core import db
from portal.core.clock import utcnow
from portal.ideas import queries
from portal.ideas import services as idea_services
from portal.ideas.models import Category, Idea
from portal.votes import services as vote_services
from tests import factories as f
from tests.conftest import make_user
from tests.factories import WEIRD_QUERIES


def listed(engine, **params) -> list[str]:
    with db.read(engine) as s:
        page = queries.list_ideas(s, queries.Filters.parse(params))
    return [i.title for i in page.items]


def digital(engine) -> Category:
    with db.read(engine) as s:
        return s.execute(select(Category).where(Category.slug == "digital")).scalar_one()


@pytest.fixture
def ranked(engine, patron, category):
    """Three ideas: "Most voted" (3 votes, 0 comments), "Most discussed" (1 vote, 2 comments),
    "Newest" (no votes, 1 comment), created in that order."""
    voters = [make_user(engine) for _ in range(3)]
    voted = f.idea(engine, patron, category, title="Most voted")
    discussed = f.idea(engine, patron, category, title="Most discussed")
    newest = f.idea(engine, patron, category, title="Newest")
    for user in voters:
        f.vote(engine, user, voted.id)
    f.vote(engine, voters[0], discussed.id)
    f.comment(engine, voters[0], discussed.id)
    f.comment(engine, voters[1], discussed.id)
    f.comment(engine, voters[2], newest.id)
    return voted, discussed, newest


def test_list_sorted_by_top_puts_most_votes_first(engine, ranked):
    assert listed(engine, sort="top") == ["Most voted", "Most discussed", "Newest"]


def test_list_sorted_by_new_puts_latest_first(engine, ranked):
    assert listed(engine, sort="new") == ["Newest", "Most discussed", "Most voted"]


def test_list_sorted_by_discussed_puts_most_comments_first(engine, ranked):
    assert listed(engine, sort="discussed") == ["Most discussed", "Newest", "Most voted"]


def test_list_sorted_by_top_breaks_ties_newest_first(engine, patron, category):
    f.many_ideas(engine, patron, category, 3, prefix="Tie")
    assert listed(engine, sort="top") == ["Tie 2", "Tie 1", "Tie 0"]


def test_list_sorted_by_trending_prefers_recent_votes(engine, patron, category, monkeypatch):
    """Three votes four weeks ago weigh less than one vote today, though "top" says otherwise."""
    past = utcnow() - timedelta(weeks=4)
    monkeypatch.setattr(idea_services, "utcnow", lambda: past)
    monkeypatch.setattr(vote_services, "utcnow", lambda: past)
    old = f.idea(engine, patron, category, title="Popular last month")
    for _ in range(3):
        f.vote(engine, make_user(engine), old.id)
    monkeypatch.undo()
    fresh = f.idea(engine, patron, category, title="Popular today")
    f.vote(engine, make_user(engine), fresh.id)

    assert listed(engine, sort="top") == ["Popular last month", "Popular today"]
    assert listed(engine, sort="trending") == ["Popular today", "Popular last month"]


def test_list_sorted_by_trending_forgets_withdrawn_votes(engine, patron, other_patron, category):
    first = f.idea(engine, patron, category, title="First")
    second = f.idea(engine, patron, category, title="Second")
    f.vote(engine, other_patron, first.id)
    assert listed(engine, sort="trending")[0] == "First"
    with db.write(engine) as s:
        vote_services.withdraw(db=s, actor=other_patron, idea_id=first.id)
    assert listed(engine, sort="trending") == ["Second", "First"]
    assert f.get(engine, Idea, first.id).trending == pytest.approx(
        f.get(engine, Idea, second.id).trending, rel=1e-3
    )


@pytest.fixture
def mixed(engine, patron, staff, category):
    """Ideas across statuses, categories and origins."""
    other = digital(engine)
    f.idea(engine, patron, category, title="New spaces idea")
    f.idea(engine, patron, category, title="Planned spaces idea", status="planned")
    f.idea(engine, patron, other, title="Planned digital idea", status="planned")
    with db.write(engine) as s:
        idea_services.propose(
            db=s,
            actor=staff,
            title="Library digital proposal",
            body="From us.",
            category_id=other.id,
            library_proposal=True,
        )
    f.idea(engine, patron, category, title="Duplicate spaces idea", status="duplicate")


def test_list_filtered_by_status_shows_only_that_status(engine, mixed):
    assert sorted(listed(engine, status="planned")) == [
        "Planned digital idea",
        "Planned spaces idea",
    ]


def test_list_hides_duplicates_unless_asked_for(engine, mixed):
    assert "Duplicate spaces idea" not in listed(engine)
    assert listed(engine, status="duplicate") == ["Duplicate spaces idea"]


def test_list_filtered_by_category_slug(engine, mixed):
    assert sorted(listed(engine, category="digital")) == [
        "Library digital proposal",
        "Planned digital idea",
    ]
    assert listed(engine, category="no-such-category") == []


def test_list_filtered_by_origin(engine, mixed):
    assert listed(engine, origin="library") == ["Library digital proposal"]
    assert "Library digital proposal" not in listed(engine, origin="patron")
    assert len(listed(engine, origin="patron")) == 3


def test_list_combines_filters(engine, mixed):
    assert listed(engine, status="planned", category="spaces") == ["Planned spaces idea"]
    assert listed(engine, status="new", origin="library", category="digital") == [
        "Library digital proposal"
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "bogus"}, {"sort": "top"}),
        ({"sort": "trending"}, {"sort": "trending"}),
        ({"status": "closed"}, {"status": ""}),
        ({"origin": "martian"}, {"origin": ""}),
        ({"page": "abc"}, {"page": 1}),
        ({"page": "-4"}, {"page": 1}),
        ({"page": "0"}, {"page": 1}),
        ({"page": "99999999999999999999"}, {"page": 10_000}),
        ({"q": "  many   spaces  "}, {"q": "many spaces"}),
        ({"q": "x" * 500}, {"q": "x" * 200}),
    ],
)
def test_filters_parse_ignores_values_that_are_not_allowed(params, expected):
    parsed = queries.Filters.parse(params)
    for key, value in expected.items():
        assert getattr(parsed, key) == value


@pytest.fixture
def searchable(engine, patron, category):
    f.idea(engine, patron, category, title="Longer opening hours", body="Stay open until ten.")
    f.idea(engine, patron, category, title="Quiet study room", body="No phones, soft light.")
    f.idea(engine, patron, category, title="Board games", body="A library of board games.")


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("opening", ["Longer opening hours"]),
        ("hours", ["Longer opening hours"]),
        ("phones", ["Quiet study room"]),
        ("quiet room", ["Quiet study room"]),
        ("QUIET", ["Quiet study room"]),
        ("games", ["Board games"]),
        ("open", ["Longer opening hours"]),
        ("quiet stu", ["Quiet study room"]),
        ("boar", ["Board games"]),
        ("quiet games", []),
        ("telescope", []),
    ],
)
def test_search_finds_words_in_title_or_body(engine, searchable, q, expected):
    assert listed(engine, q=q) == expected


def test_search_sees_edits(engine, patron, category):
    idea = f.idea(engine, patron, category, title="Bicycle racks")
    with db.write(engine) as s:
        idea_services.edit(
            db=s,
            actor=patron,
            idea_id=idea.id,
            title="Scooter parking",
            body="Somewhere dry.",
            category_id=category.id,
        )
    assert listed(engine, q="bicycle") == []
    assert listed(engine, q="scooter") == ["Scooter parking"]


def test_search_combines_with_status_filter(engine, patron, category):
    f.idea(engine, patron, category, title="Study pods")
    f.idea(engine, patron, category, title="Study lamps", status="planned")
    assert listed(engine, q="study", status="planned") == ["Study lamps"]


def test_search_with_odd_text_never_fails(engine, searchable):
    everything = set(listed(engine))
    for q in WEIRD_QUERIES:
        assert set(listed(engine, q=q)) <= everything, q
        with db.read(engine) as s:
            assert {i.title for i in queries.similar(s, q)} <= everything, q


def test_search_with_odd_text_still_finds_real_words(engine, searchable):
    assert listed(engine, q='"quiet" (-room*)') == ["Quiet study room"]


def test_pagination_shows_twenty_per_page_without_gaps(engine, patron, category):
    ids = f.many_ideas(engine, patron, category, 45)
    pages = []
    with db.read(engine) as s:
        for number in (1, 2, 3, 4):
            pages.append(queries.list_ideas(s, queries.Filters(sort="new", page=number)))
    assert [len(p.items) for p in pages] == [20, 20, 5, 0]
    assert [p.has_next for p in pages] == [True, True, False, False]
    seen = [i.id for p in pages for i in p.items]
    assert seen == sorted(ids, reverse=True)


def test_pagination_has_no_next_page_when_exactly_full(engine, patron, category):
    f.many_ideas(engine, patron, category, 20)
    with db.read(engine) as s:
        page = queries.list_ideas(s, queries.Filters())
    assert len(page.items) == 20 and page.has_next is False


def test_similar_finds_titles_that_share_a_word(engine, patron, category):
    f.idea(engine, patron, category, title="Longer opening hours")
    f.idea(engine, patron, category, title="Weekend hours")
    f.idea(engine, patron, category, title="Board games")
    f.idea(engine, patron, category, title="Old hours idea", status="duplicate")
    with db.read(engine) as s:
        found = {i.title for i in queries.similar(s, "Sunday opening hours?")}
    assert found == {"Longer opening hours", "Weekend hours"}


@pytest.mark.parametrize("title", ["", "a b", "!!", '"*" NEAR( OR'])
def test_similar_needs_real_words(engine, patron, category, title):
    f.idea(engine, patron, category, title="Board games")
    with db.read(engine) as s:
        assert queries.similar(s, title) == []


def test_similar_returns_at_most_five_most_voted_first(engine, patron, category):
    ids = f.many_ideas(engine, patron, category, 7, prefix="Printer")
    with db.write(engine) as s:
        s.execute(update(Idea).where(Idea.id == ids[0]).values(vote_count=9))
    with db.read(engine) as s:
        found = [i.id for i in queries.similar(s, "printer")]
    assert len(found) == 5 and found[0] == ids[0]
