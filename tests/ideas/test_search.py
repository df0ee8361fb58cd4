"""Search: Chinese and mixed text, the same ideas in the same order on SQLite and PostgreSQL
(run with PORTAL_TEST_DB=postgresql for the second), through both ways a search reads (the
list walked in its order until the page is full, or the matches the index names, sorted)."""

from __future__ import annotations

import pytest

from portal.core import db
from portal.ideas import queries, search
from portal.ideas import services as idea_services
from portal.ideas.models import IdeaSearch
from portal.moderation import services as moderation
from tests import factories as f
from tests.ideas.test_routes import titles_on

LATE = "延长自习室开放时间到午夜"


@pytest.fixture(params=["walk", "index"])
def way(request, monkeypatch):
    """ "index": no idea of the list is walked, so every search reads the matches the
    full-text index names."""
    if request.param == "index":
        monkeypatch.setattr(search, "WALK", 0)
        monkeypatch.setattr(search, "DEEPER", 0)
    return request.param


def listed(engine, **params) -> list[str]:
    with db.read(engine) as s:
        page = queries.list_ideas(s, queries.Filters.parse(params))
    return [i.title for i in page.items]


@pytest.fixture
def board(engine, patron, category):
    """Ideas in Chinese, English and both, with votes that order them."""
    for title, body, votes in [
        (LATE, "期末考试期间很多同学需要安静的学习空间。", 5),
        ("Quiet study room", "No phones, soft light.", 9),
        ("Open the 自习室 at midnight", "Exams 期间 need a late room.", 7),
        ("图书馆咖啡角", "在一楼增加咖啡和小吃。", 3),
        ("Printer on floor 3", "The queue is long at lunchtime.", 1),
    ]:
        f.idea(engine, patron, category, title=title, body=body, vote_count=votes)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("自习室", ["Open the 自习室 at midnight", LATE]),
        ("午夜", [LATE]),
        ("自习", ["Open the 自习室 at midnight", LATE]),
        ("开放时间", [LATE]),
        (LATE, [LATE]),
        ("习室 午夜", [LATE]),
        ("咖啡", ["图书馆咖啡角"]),
        ("期间", ["Open the 自习室 at midnight", LATE]),
        ("自习室 midnight", ["Open the 自习室 at midnight"]),
        ("midnight 自习室", ["Open the 自习室 at midnight"]),
        ("exam", ["Open the 自习室 at midnight"]),
        ("room", ["Quiet study room", "Open the 自习室 at midnight"]),
        ("ＱＵＩＥＴ", ["Quiet study room"]),
        ("phone", ["Quiet study room"]),
        ("图书馆午夜", []),
        ("夜午", []),
        ("自习室 printer", []),
    ],
)
def test_search_finds_chinese_and_mixed_words_in_vote_order(engine, board, way, q, expected):
    assert listed(engine, q=q) == expected


def one_by_one(engine, q, sort) -> list[str]:
    """Every match, a page of one at a time: each page is full, so the walk alone finds it."""
    titles = []
    with db.read(engine) as s:
        for number in range(1, 20):
            page = queries.list_ideas(s, queries.Filters(q=q, sort=sort, page=number), 1)
            titles += [i.title for i in page.items]
            if not page.has_next:
                return titles
    raise AssertionError("more pages than ideas")


@pytest.mark.parametrize("sort", ["top", "new", "trending", "discussed"])
def test_search_ranks_the_same_whichever_way_it_reads(engine, board, monkeypatch, sort):
    words = ("自习室", "room", "the", "期间", "quiet", "午夜")
    walked = {q: listed(engine, q=q, sort=sort) for q in words}
    assert {q: one_by_one(engine, q, sort) for q in words} == walked
    monkeypatch.setattr(search, "WALK", 0)
    monkeypatch.setattr(search, "DEEPER", 0)
    assert {q: listed(engine, q=q, sort=sort) for q in words} == walked
    assert {q: one_by_one(engine, q, sort) for q in words} == walked
    assert len(walked["自习室"]) == 2


def test_search_pages_through_common_words_without_gaps(engine, patron, category, way):
    ids = f.many_ideas(engine, patron, category, 45, prefix="自习室 idea")
    f.idea(engine, patron, category, title="Something else")
    seen = []
    for number in (1, 2, 3):
        with db.read(engine) as s:
            page = queries.list_ideas(s, queries.Filters(q="自习室", sort="new", page=number))
        seen += [i.id for i in page.items]
        assert page.has_next == (number < 3)
    assert seen == sorted(ids, reverse=True)


def test_search_never_finds_hidden_ideas(engine, board, staff, way):
    with db.read(engine) as s:
        late = next(i for i in queries.list_ideas(s, queries.Filters(q="午夜")).items)
    with db.write(engine) as s:
        moderation.hide(db=s, actor=staff, target_type="idea", target_id=late.id, reason="Spam")
    assert listed(engine, q="午夜") == []
    assert listed(engine, q="自习室") == ["Open the 自习室 at midnight"]
    with db.read(engine) as s:
        assert late.id not in {i.id for i in queries.similar(s, LATE)}


def test_search_sees_edits_in_chinese(engine, patron, category, way):
    idea = f.idea(engine, patron, category, title="图书馆咖啡角")
    with db.write(engine) as s:
        idea_services.edit(
            db=s,
            actor=patron,
            idea_id=idea.id,
            title=LATE,
            body="考试周需要。",
            category_id=category.id,
        )
    assert listed(engine, q="咖啡") == []
    assert listed(engine, q="午夜") == [LATE]
    with db.read(engine) as s:
        assert s.get(IdeaSearch, idea.id).terms.split().count("午夜") == 1


def test_similar_finds_chinese_titles(engine, board):
    with db.read(engine) as s:
        titles = [i.title for i in queries.similar(s, "自习室座位")]
    assert titles == ["Open the 自习室 at midnight", LATE]


@pytest.mark.parametrize(
    "q",
    [
        '"',
        "*",
        "NEAR",
        "NEAR(",
        "(自习 室)",
        ":",
        "自习室:*",
        "'自习室'",
        "!!!",
        "。，！",
        "x" * 10_000,
    ],
)
def test_search_with_operators_or_only_punctuation_gives_a_page(client, board, q):
    response = client.get("/ideas", params={"q": q})
    assert response.status_code == 200
    found = titles_on(response.text)
    assert set(found) <= {"Open the 自习室 at midnight", LATE}
    if "自习" in q:
        assert found == ["Open the 自习室 at midnight", LATE]
