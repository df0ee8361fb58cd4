"""The staff assessment dashboard: every figure checked against a small history whose dates
and people the tests set (the numbers worked out by hand in the comments), the page for staff
only, each table as CSV without anyone's name or address, and a fixed number of queries
however many rows there are."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from portal.accounts.models import User
from portal.assessment import dashboard, tables
from portal.comments.models import Comment
from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import Decision, FollowUp
from portal.ideas.models import Idea
from portal.stories.models import Story, StoryTheme, Theme
from portal.surveys.models import Answer, Response, Round
from portal.votes.models import Vote
from portal.workshops.models import Registration, Workshop
from tests.conftest import login_as, make_user
from tests.surveys.helpers import structure, survey

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def add(engine: Any, *rows: Any) -> list[int]:
    with db.write(engine) as s:
        for row in rows:
            s.add(row)
            s.flush()
        return [row.id for row in rows if hasattr(row, "id")]


def set_group(engine: Any, user: User, group: str) -> None:
    with db.write(engine) as s:
        s.get(User, user.id).user_group = group


def idea(author: User | None, created: datetime, answered: float | None = None, **kw: Any) -> Idea:
    first = created + timedelta(days=answered) if answered is not None else None
    return Idea(
        title="An idea",
        body="Text.",
        author_id=author.id if author else None,
        created_at=created,
        first_response_at=first,
        **kw,
    )


def response(round_id: int, user: User | None, day: str, group: str = "", draft: bool = False):
    return Response(
        round_id=round_id,
        user_id=user.id if user else None,
        group=group,
        is_draft=draft,
        submitted_at=None if draft else at(day),
    )


@pytest.fixture
def history(engine, patron, other_patron, staff) -> dict[str, Any]:
    """October and November 2026 (and one idea from long before), by an undergraduate
    (patron), a postgraduate (other_patron) and staff who gave no group."""
    set_group(engine, patron, "undergraduate")
    set_group(engine, other_patron, "postgraduate")
    a, b, c, _old = add(
        engine,
        idea(patron, at("2026-10-05"), answered=3),  # Oct, answered in 3 days
        idea(staff, at("2026-10-20"), origin="library"),  # Oct, never answered
        idea(other_patron, at("2026-11-02"), answered=2),  # Nov, too young for the promise
        idea(patron, at("2025-10-01"), answered=1),  # before the 12 months
    )
    found = survey(engine, staff)
    (rnd,) = add(
        engine,
        Round(survey_id=found.id, opens_at=at("2026-11-01", 0), closes_at=at("2026-11-30", 0)),
    )
    add(
        engine,
        Comment(idea_id=a, author_id=other_patron.id, body="Yes", created_at=at("2026-10-06")),
        Comment(idea_id=a, author_id=patron.id, body="And", created_at=at("2026-11-03")),
        Vote(idea_id=c, user_id=patron.id, created_at=at("2026-11-02")),
        Vote(idea_id=a, user_id=other_patron.id, created_at=at("2026-10-07")),
        Vote(idea_id=a, user_id=None, created_at=at("2026-10-07")),  # a deleted account's
        response(rnd, patron, "2026-11-05"),  # no group given here: the account's counts
        response(rnd, None, "2026-11-06", group="community"),  # anonymous
        response(rnd, other_patron, "2026-11-07", draft=True),  # a draft: not counted
        Story(
            author_id=other_patron.id,
            happened="h" * 10,
            did="d" * 10,
            changed="c" * 10,
            created_at=at("2026-10-10"),
        ),
    )
    (w,) = add(
        engine, Workshop(title="W", starts_at=at("2026-12-01"), ends_at=at("2026-12-01", 11))
    )
    add(
        engine,
        Registration(
            workshop_id=w, user_id=patron.id, status="confirmed", queued_at=at("2026-11-01")
        ),
    )
    x, y = add(
        engine,
        Decision(
            title="=Longer hours",
            you_said="a",
            we_did="b",
            outcome="adopted",
            published_at=at("2026-09-01"),
        ),
        Decision(
            title="Quiet room",
            you_said="a",
            we_did="b",
            outcome="adopted",
            published_at=at("2026-10-01"),
        ),
    )
    add(
        engine,
        FollowUp(decision_id=x, user_id=patron.id, rating=4, created_at=at("2026-10-10")),
        FollowUp(decision_id=x, user_id=other_patron.id, rating=5, created_at=at("2026-11-03")),
        FollowUp(decision_id=y, user_id=patron.id, rating=2, created_at=at("2026-11-04")),
    )
    return {"round": rnd, "x": x, "y": y}


def figures(engine, now: datetime = NOW) -> dashboard.Dashboard:
    with db.read(engine) as s:
        return dashboard.dashboard(s, answer_days=14, now=now)


def by_month(d: dashboard.Dashboard) -> dict[str, dashboard.Participation]:
    return {p.month: p for p in d.participation}


def test_dashboard_covers_the_twelve_calendar_months_up_to_now(engine):
    d = figures(engine)
    assert d.months[0] == "2025-12" and d.months[-1] == "2026-11" and len(d.months) == 12
    assert [p.month for p in d.participation] == d.months
    assert dashboard.last_months(at("2026-01-31"), 3) == ["2025-11", "2025-12", "2026-01"]


def test_dashboard_counts_each_channel_and_the_people_month_by_month(engine, history):
    months = by_month(figures(engine))
    october, november = months["2026-10"], months["2026-11"]
    assert october.acts == {
        "ideas": 2,
        "comments": 1,
        "votes": 2,
        "survey_responses": 0,
        "stories": 1,
        "session_signups": 0,
    }
    # patron (idea), staff (idea), other_patron (comment, vote, story); the deleted vote: nobody
    assert october.people == 3
    assert november.acts == {
        "ideas": 1,
        "comments": 1,
        "votes": 1,
        "survey_responses": 2,
        "stories": 0,
        "session_signups": 1,
    }
    assert november.people == 2  # other_patron, patron; the anonymous answer is nobody
    assert months["2025-12"].people == 0 and sum(months["2025-12"].acts.values()) == 0


def test_dashboard_counts_ideas_by_their_origin(engine, history):
    months = by_month(figures(engine))
    assert months["2026-10"].origins == {"patron": 1, "library": 1}
    assert months["2026-11"].origins == {"patron": 1, "library": 0}


def test_dashboard_counts_people_by_user_group(engine, history):
    months = by_month(figures(engine))
    assert months["2026-10"].groups == {
        "undergraduate": 1,
        "postgraduate": 1,
        "researcher": 0,
        "staff": 0,
        "community": 0,
        "distance": 0,
        "": 1,
    }
    assert months["2026-11"].groups["undergraduate"] == 1
    assert months["2026-11"].groups["postgraduate"] == 1
    assert months["2026-11"].groups[""] == 0


def test_a_group_given_in_a_survey_answer_counts_for_that_answer(engine, history, patron):
    add(engine, response(history["round"], make_user(engine), "2026-11-08", group="distance"))
    assert by_month(figures(engine))["2026-11"].groups["distance"] == 1


def test_dashboard_response_times_against_the_promise(engine, history):
    times = {m.month: m for m in figures(engine).response_times}
    assert list(times) == figures(engine).months  # the idea of 2025 is outside them
    assert times["2026-09"].ideas == 0 and times["2026-09"].median_days_to_response is None
    assert times["2026-10"].ideas == 2
    assert times["2026-10"].median_days_to_response == 3.0
    assert times["2026-10"].answered_within == 0.5  # one of the two answered within 14 days
    assert times["2026-11"].median_days_to_response == 2.0
    assert times["2026-11"].answered_within is None  # not 14 days old yet


def test_dashboard_follow_up_ratings_by_decision_and_by_month(engine, history):
    d = figures(engine)
    assert [(r.key, r.n, r.mean) for r in d.follow_up_by_decision] == [
        (str(history["y"]), 1, 2.0),  # the newer decision first
        (str(history["x"]), 2, 4.5),
    ]
    assert [(r.key, r.n, r.mean) for r in d.follow_up_by_month] == [
        ("2026-10", 1, 4.0),
        ("2026-11", 2, 3.5),
    ]


def _rate(
    engine,
    rnd: int,
    user: User | None,
    values: dict[int, tuple[str, int | None]],
    draft: bool = False,
) -> None:
    """A response rating items: {item id: (column, value or None for not applicable)}."""
    with db.write(engine) as s:
        row = response(rnd, user, "2026-11-05", draft=draft)
        s.add(row)
        s.flush()
        for item_id, (column, value) in values.items():
            s.add(
                Answer(
                    response_id=row.id, round_id=rnd, item_id=item_id, column=column, value=value
                )
            )


def test_dashboard_survey_trends_are_each_dimensions_mean_per_round(engine, staff, patron):
    found = survey(engine, staff)
    shape = structure(engine, found.id)
    first, second = shape.dimensions[:2]
    i1, i2 = (i.id for i in shape.items[first.id][:2])
    j1 = shape.items[second.id][0].id
    r1, r2 = add(
        engine,
        Round(survey_id=found.id, opens_at=at("2026-03-01", 0), closes_at=at("2026-03-10", 0)),
        Round(survey_id=found.id, opens_at=at("2026-09-01", 0), closes_at=at("2026-09-10", 0)),
    )
    _rate(engine, r1, patron, {i1: ("rating", 4), i2: ("rating", 2), j1: ("rating", 1)})  # 3
    _rate(engine, r1, None, {i1: ("rating", 5), i2: ("rating", None)})  # 5 (one n/a)
    _rate(engine, r1, staff, {i1: ("rating", 1), i2: ("rating", 1)}, draft=True)  # a draft
    _rate(engine, r2, patron, {i1: ("rating", 5), i2: ("rating", 4)})  # 4.5
    trends = [(t.round_id, t.dimension, t.n, t.mean) for t in figures(engine).trends]
    assert trends == [
        (r1, first.code, 2, 4.0),
        (r1, second.code, 1, 1.0),
        (r2, first.code, 1, 4.5),
    ]


def test_dashboard_survey_trends_read_perceived_service_of_three_columns(engine, staff, patron):
    found = survey(engine, staff, "three")
    shape = structure(engine, found.id)
    dim = shape.dimensions[0]
    item = shape.items[dim.id][0].id
    (rnd,) = add(
        engine,
        Round(survey_id=found.id, opens_at=at("2026-03-01", 0), closes_at=at("2026-03-10", 0)),
    )
    with db.write(engine) as s:
        row = response(rnd, patron, "2026-03-02")
        s.add(row)
        s.flush()
        for column, value in (("minimum", 3), ("desired", 9), ("perceived", 6)):
            s.add(
                Answer(response_id=row.id, round_id=rnd, item_id=item, column=column, value=value)
            )
    assert [(t.dimension, t.n, t.mean) for t in figures(engine).trends] == [(dim.code, 1, 6.0)]


def test_dashboard_counts_stories_by_theme(engine, patron):
    t1, t2, _t3 = add(
        engine,
        Theme(code="space", name="Space", name_zh="空间"),
        Theme(code="help", name="Help"),
        Theme(code="unused", name="Unused"),
    )
    s1, s2 = add(
        engine,
        Story(
            author_id=patron.id,
            happened="h" * 10,
            did="d" * 10,
            changed="c" * 10,
            consent=True,
            published_at=at("2026-10-01"),
        ),
        Story(author_id=patron.id, happened="h" * 10, did="d" * 10, changed="c" * 10),
    )
    add(
        engine,
        StoryTheme(story_id=s1, theme_id=t1),
        StoryTheme(story_id=s2, theme_id=t1),
        StoryTheme(story_id=s2, theme_id=t2),
    )
    counts = [(t.code, t.stories, t.published) for t in figures(engine).themes]
    assert counts == [("space", 2, 1), ("help", 1, 0), ("unused", 0, 0)]


# -- the page ------------------------------------------------------------------------------


def test_dashboard_is_for_staff_only(client, patron, committee):
    response = client.get("/staff/assessment", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff/assessment"
    for person in (patron, committee):
        client.cookies.clear()
        login_as(client, person)
        assert client.get("/staff/assessment").status_code == 403
        assert client.get("/staff/assessment?format=csv&table=groups").status_code == 403


def test_dashboard_page_shows_every_table_with_its_csv_link(client, engine, staff, history):
    login_as(client, staff)
    html = client.get("/staff/assessment").text
    for name in tables.NAMES:
        assert f'<section id="{name}">' in html, name
        assert f"/staff/assessment?format=csv&amp;table={name}" in html, name
    assert "Quiet room" in html
    assert client.get("/staff").text.count('href="/staff/assessment"') == 1


def test_dashboard_csv_has_the_columns_and_no_personal_data(client, engine, staff, history):
    login_as(client, staff)
    expected = {
        "participation": [
            "month",
            "ideas",
            "comments",
            "votes",
            "survey_responses",
            "stories",
            "session_signups",
            "people",
        ],
        "sources": ["month", "web", "email", "desk", "card", "phone", "chat"],
        "origins": ["month", "patron", "library"],
        "groups": [
            "month",
            "undergraduate",
            "postgraduate",
            "researcher",
            "staff",
            "community",
            "distance",
            "not_given",
        ],
        "response_times": ["month", "ideas", "median_days", "share_within_promise"],
        "follow_up_decisions": ["decision", "title", "n", "mean"],
        "follow_up_months": ["month", "n", "mean"],
        "survey_trends": ["survey", "round", "opens_on", "dimension", "n", "mean"],
        "story_themes": ["theme", "name", "stories", "published"],
    }
    assert set(expected) == set(tables.NAMES)
    with db.read(engine) as s:
        people = [(u.email, u.display_name) for u in s.execute(select(User)).scalars()]
    for name, header in expected.items():
        response = client.get(f"/staff/assessment?format=csv&table={name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == header, name
        for email, display_name in people:
            assert email not in response.text and display_name not in response.text
    decisions = client.get("/staff/assessment?format=csv&table=follow_up_decisions").text
    assert f"{history['x']},'=Longer hours,2,4.5" in decisions  # a formula is not run
    assert client.get("/staff/assessment?format=csv&table=nope").status_code == 404


def test_dashboard_csv_rows_match_the_figures(client, engine, staff, history):
    login_as(client, staff)
    text = client.get("/staff/assessment?format=csv&table=participation").text
    month = utcnow().strftime("%Y-%m")
    assert re.search(rf"^{month},", text, re.M)  # the current month is the last row
    assert text.strip().splitlines()[-1].startswith(month)


def _statements(client, engine) -> int:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/staff/assessment").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_dashboard_reads_a_fixed_number_of_queries_however_many_rows(client, engine, staff, patron):
    login_as(client, staff)
    client.get("/staff/assessment")  # the site's settings are read once and kept
    few = _statements(client, engine)
    now = utcnow()
    found = survey(engine, staff)
    shape = structure(engine, found.id)
    rounds = add(
        engine,
        *(
            Round(
                survey_id=found.id,
                opens_at=now - timedelta(days=40 + 10 * k),
                closes_at=now - timedelta(days=35 + 10 * k),
            )
            for k in range(4)
        ),
    )
    people = [make_user(engine) for _ in range(6)]
    for k, person in enumerate(people):
        add(
            engine,
            idea(person, now - timedelta(days=20 * k), answered=k),
            Theme(code=f"t{k}", name=f"T{k}"),
            Decision(title=f"D{k}", you_said="a", we_did="b", outcome="adopted"),
        )
        for rnd in rounds:
            _rate(engine, rnd, person, {i.id: ("rating", 1 + k % 5) for i in shape.all_items})
    assert _statements(client, engine) == few
