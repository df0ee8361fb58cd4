"""The staff desk (/staff): overdue pilot reviews and "Mark reviewed", ideas waiting for a
first response; staff only."""

from __future__ import annotations

from datetime import timedelta

from portal.core.clock import utcnow
from portal.decisions.models import Decision
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish


def overdue_section(page: str) -> str:
    return page.split('id="overdue-title"', 1)[1].split("</section>", 1)[0]


def past_pilot(engine, staff, title: str, review_days_ago: int = 3) -> Decision:
    today = utcnow().date()
    return publish(
        engine,
        staff,
        (),
        "piloting",
        title=title,
        pilot_start=(today - timedelta(days=90)).isoformat(),
        pilot_end=(today - timedelta(days=30)).isoformat(),
        review_date=(today - timedelta(days=review_days_ago)).isoformat(),
    )


def test_staff_desk_lists_overdue_pilot_reviews(client, engine, staff):
    overdue = past_pilot(engine, staff, "Self-service lockers")
    today = utcnow().date().isoformat()
    publish(
        engine,
        staff,
        (),
        "piloting",
        title="Review due today",
        pilot_start="2020-01-01",
        pilot_end="2020-02-01",
        review_date=today,
    )
    publish(engine, staff, (), "piloting", title="Review next year")
    publish(engine, staff, (), "adopted", title="Not a pilot")
    login_as(client, staff)
    response = client.get("/staff")
    assert response.status_code == 200
    section = overdue_section(response.text)
    assert f'<a href="/you-said-we-did/{overdue.id}">Self-service lockers</a>' in section
    assert f'action="/you-said-we-did/{overdue.id}/reviewed"' in section
    for title in ("Review due today", "Review next year", "Not a pilot"):
        assert title not in section


def test_staff_desk_with_nothing_overdue_says_so(client, staff):
    login_as(client, staff)
    assert "No reviews are overdue." in client.get("/staff").text


def test_mark_reviewed_removes_the_review_from_the_desk(client, engine, staff):
    decision = past_pilot(engine, staff, "Self-service lockers")
    login_as(client, staff)
    response = client.post(f"/you-said-we-did/{decision.id}/reviewed")
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    assert f.get(engine, Decision, decision.id).reviewed_at is not None
    page = client.get("/staff").text
    assert "Self-service lockers" not in overdue_section(page)
    assert "The review is recorded." in page
    assert "(reviewed)" in client.get(f"/you-said-we-did/{decision.id}").text


def test_admin_sees_the_staff_desk(client, engine, staff, admin):
    past_pilot(engine, staff, "Self-service lockers")
    login_as(client, admin)
    assert "Self-service lockers" in overdue_section(client.get("/staff").text)


def test_staff_desk_is_forbidden_to_patrons_and_committee(client, patron, committee):
    login_as(client, patron)
    assert client.get("/staff").status_code == 403
    client.post("/logout")
    login_as(client, committee)
    assert client.get("/staff").status_code == 403


def test_staff_desk_sends_visitors_to_sign_in(client):
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff"


def test_mark_reviewed_by_a_patron_is_forbidden_and_changes_nothing(client, engine, patron, staff):
    decision = past_pilot(engine, staff, "Self-service lockers")
    login_as(client, patron)
    assert client.post(f"/you-said-we-did/{decision.id}/reviewed").status_code == 403
    assert f.get(engine, Decision, decision.id).reviewed_at is None


def test_mark_reviewed_of_a_missing_decision_is_404(client, staff):
    login_as(client, staff)
    assert client.post("/you-said-we-did/9999/reviewed").status_code == 404


def test_staff_desk_lists_ideas_waiting_for_a_first_response(
    client, engine, patron, staff, category
):
    waiting = f.idea(engine, patron, category, title="Waiting for an answer")
    answered = f.idea(engine, patron, category, title="Already answered")
    f.comment(engine, staff, answered.id, "We are looking into it.")
    login_as(client, staff)
    page = client.get("/staff").text
    waiting_section = page.split('id="waiting-title"', 1)[1]
    assert f'<a href="/ideas/{waiting.id}">Waiting for an answer</a>' in waiting_section
    assert "Already answered" not in waiting_section
