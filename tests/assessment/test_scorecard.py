"""The public scorecard: response-time figures computed in SQL, checked to the exact number
against ideas and decisions whose dates the tests set, and shown on /scorecard."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from portal.assessment import queries, routes
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import Decision, DecisionIdea
from tests import factories as f
from tests.conftest import login_as

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def idea_at(
    engine, author, category, created: datetime, response_days: float | None, title: str = "An idea"
) -> int:
    """An idea created at `created`, first answered `response_days` later (or never)."""
    first = created + timedelta(days=response_days) if response_days is not None else None
    row = f.idea(engine, author, category, title=title, created_at=created, first_response_at=first)
    return row.id


def decision_at(engine, published: datetime, outcome: str, idea_ids: list[int]) -> int:
    with db.write(engine) as s:
        row = Decision(
            title=f"Decision {outcome}",
            you_said="Asked.",
            we_did="Did.",
            outcome=outcome,
            published_at=published,
        )
        s.add(row)
        s.flush()
        for idea_id in idea_ids:
            s.add(DecisionIdea(decision_id=row.id, idea_id=idea_id))
        return row.id


def figures(engine, now: datetime = NOW):
    with db.read(engine) as s:
        return queries.scorecard(s, now=now)


def score(page: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
    assert found, label
    return found.group(1)


@pytest.fixture
def history(engine, patron, category):
    """Five ideas in the last year (four answered after 2, 20, 4 and 10 days, one too young
    to count), one idea from long ago, and decisions on some of them."""
    a = idea_at(engine, patron, category, at("2026-04-10"), 2, "A")
    b = idea_at(engine, patron, category, at("2026-04-20"), 20, "B")
    c = idea_at(engine, patron, category, at("2026-05-05"), 4, "C")
    d = idea_at(engine, patron, category, at("2026-05-06"), 10, "D")
    idea_at(engine, patron, category, at("2026-06-12"), None, "E, three days old")
    ancient = idea_at(engine, patron, category, at("2024-01-10"), 100, "F, long ago")
    decision_at(engine, at("2026-04-15"), "adopted", [a])  # A: 5 days
    decision_at(engine, at("2026-05-25"), "declined", [b, c])  # B: 35 days, C: 20 days
    decision_at(engine, at("2026-06-01"), "piloting", [a])  # later than A's first decision
    decision_at(engine, at("2024-02-01"), "deferred", [ancient])  # outside the window
    return a, b, c, d


def test_scorecard_with_no_data_has_no_figures(engine):
    overall, months = figures(engine)
    assert overall.ideas == 0
    assert overall.median_days_to_response is None
    assert overall.answered_within is None
    assert overall.median_days_to_decision is None
    assert overall.decisions_by_outcome == {}
    assert months == []


def test_scorecard_page_on_an_empty_site_says_not_enough_data(client):
    response = client.get("/scorecard")
    assert response.status_code == 200
    page = response.text
    assert score(page, "Ideas received") == "0"
    assert score(page, "Median time to a first staff response") == "not enough data yet"
    assert score(page, "Ideas answered within 14 days") == "not enough data yet"
    assert score(page, "Median time from idea to decision") == "not enough data yet"
    assert "No ideas in the last 12 months yet." in page


def test_median_and_share_answered_within_14_days_are_exact(engine, patron, category):
    for days in (2, 4, 10, 20):
        idea_at(engine, patron, category, NOW - timedelta(days=40), days)
    overall, _months = figures(engine)
    assert overall.ideas == 4
    assert overall.median_days_to_response == 7.0
    assert overall.answered_within == 0.75


def test_median_of_an_odd_number_of_values_is_the_middle_one(engine, patron, category):
    for days in (1, 3, 30):
        idea_at(engine, patron, category, NOW - timedelta(days=60), days)
    assert figures(engine)[0].median_days_to_response == 3.0


def test_unanswered_old_ideas_count_against_the_share(engine, patron, category):
    for days in (2, 4, 10, 20, None):
        idea_at(engine, patron, category, NOW - timedelta(days=40), days)
    overall, _months = figures(engine)
    assert overall.median_days_to_response == 7.0  # only answered ideas have a response time
    assert overall.answered_within == 0.6


def test_ideas_younger_than_14_days_do_not_count_in_the_share_yet(engine, patron, category):
    idea_at(engine, patron, category, NOW - timedelta(days=40), 20)
    idea_at(engine, patron, category, NOW - timedelta(days=3), None)
    idea_at(engine, patron, category, NOW - timedelta(days=5), 1)
    overall, _months = figures(engine)
    assert overall.ideas == 3
    assert overall.answered_within == 0.0
    assert overall.median_days_to_response == 10.5


def test_scorecard_overall_figures(engine, history):
    overall, _months = figures(engine)
    assert overall.ideas == 5  # F is older than the 12-month window
    assert overall.median_days_to_response == 7.0  # of 2, 4, 10 and 20
    assert overall.answered_within == 0.75  # E is too young to count
    assert overall.median_days_to_decision == 20.0  # of 5, 20 and 35
    assert overall.decisions_by_outcome == {"adopted": 1, "declined": 1, "piloting": 1}


def test_scorecard_month_by_month(engine, history):
    _overall, months = figures(engine)
    rows = [
        (m.month, m.ideas, m.median_days_to_response, m.answered_within, m.decisions)
        for m in months
    ]
    assert rows == [
        ("2026-06", 1, None, None, 1),
        ("2026-05", 2, 7.0, 1.0, 1),
        ("2026-04", 2, 11.0, 0.5, 1),
    ]


def test_scorecard_page_shows_the_figures(client, engine, patron, category):
    now = utcnow()
    created = now - timedelta(days=40)
    for days in (2, 4, 10, 20):
        idea_at(engine, patron, category, created, days)
    first = idea_at(engine, patron, category, created, None)
    decision_at(engine, created + timedelta(days=8), "declined", [first])
    overall, months = figures(engine, now)
    assert (overall.median_days_to_response, overall.median_days_to_decision) == (7.0, 8.0)
    assert overall.answered_within == 0.6

    page = client.get("/scorecard").text
    assert score(page, "Ideas received") == "5"
    assert score(page, "Median time to a first staff response") == "7.0 days"
    assert score(page, "Ideas answered within 14 days") == "60%"
    assert score(page, "Median time from idea to decision") == "8.0 days"
    outcomes = dict(re.findall(r'<tr><th scope="row">(\w+)</th><td>(\d+)</td></tr>', page))
    assert outcomes == {"Adopted": "0", "Piloting": "0", "Declined": "1", "Deferred": "0"}
    month = created.strftime("%Y-%m")
    decided_same_month = (created + timedelta(days=8)).strftime("%Y-%m") == month
    row = re.search(rf'<tr><th scope="row">{month}</th>(.*?)</tr>', page, re.S)
    assert row, page
    cells = re.findall(r"<td>([^<]*)</td>", row.group(1))
    assert cells == ["5", "7.0", "60%", "1" if decided_same_month else "0"]
    assert [m.month for m in months] == re.findall(r'<tr><th scope="row">(\d{4}-\d\d)</th>', page)


def test_the_figures_are_kept_for_five_minutes_then_brought_up_to_date(
    client, engine, patron, category, monkeypatch
):
    login_as(client, patron)  # a signed-in person's page is never a kept page
    created = utcnow() - timedelta(days=40)
    idea_at(engine, patron, category, created, 2)
    assert score(client.get("/scorecard").text, "Ideas received") == "1"
    idea_at(engine, patron, category, created, 4)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    page = client.get("/scorecard").text
    assert score(page, "Ideas received") == "1"  # kept: no figure was computed again
    assert "brought up to date every five minutes" in page
    assert not [s for s in statements if "idea" in s.lower()]
    monkeypatch.setattr(routes, "KEEP_SECONDS", 0.0)
    assert score(client.get("/scorecard").text, "Ideas received") == "2"


# -- the library's response promise ---------------------------------------------------------


def promise(engine, admin, days: int) -> None:
    """An admin sets the response promise at /staff/settings (through its service)."""
    from portal.setup import services as setup

    with db.write(engine) as s:
        setup.save(db=s, actor=admin, form={"response_days": str(days)})


@pytest.mark.parametrize(("days", "share"), [(1, 0.0), (5, 0.5), (14, 0.75), (30, 1.0)])
def test_the_share_counts_ideas_answered_within_the_promise(engine, patron, category, days, share):
    for response_days in (2, 4, 10, 20):
        idea_at(engine, patron, category, NOW - timedelta(days=40), response_days)
    with db.read(engine) as s:
        overall, _months = queries.scorecard(s, now=NOW, answer_days=days)
    assert overall.answer_days == days
    assert overall.answered_within == share


def test_only_ideas_older_than_the_promise_count_in_the_share(engine, patron, category):
    idea_at(engine, patron, category, NOW - timedelta(days=6), 1)  # old enough for 5 days
    idea_at(engine, patron, category, NOW - timedelta(days=3), None)  # not yet
    with db.read(engine) as s:
        assert queries.scorecard(s, now=NOW, answer_days=5)[0].answered_within == 1.0
        assert queries.scorecard(s, now=NOW, answer_days=14)[0].answered_within is None


def test_scorecard_page_names_the_promise_and_follows_a_change_at_once(
    client, engine, patron, admin, category
):
    created = utcnow() - timedelta(days=40)
    for response_days in (2, 4, 10, 20):
        idea_at(engine, patron, category, created, response_days)
    page = client.get("/scorecard").text
    assert score(page, "Ideas answered within 14 days") == "75%"
    promise(engine, admin, 5)
    # The figures are kept for five minutes, but not across a change of the promise.
    page = client.get("/scorecard").text
    assert score(page, "Ideas answered within 5 days") == "50%"
    assert '<th scope="col">Answered within 5 days</th>' in page
    promise(engine, admin, 1)
    assert score(client.get("/scorecard").text, "Ideas answered within 1 day") == "0%"
    chinese = client.get("/scorecard", headers={"Accept-Language": "zh-CN"}).text
    assert "1 天内得到答复的建议" in chinese
