"""Staff correct a published decision (a typo, a link, a date): the page says "Corrected on
<date>", every earlier version stays readable in its history, the outcome stays, and nobody
is notified: no event is written and the worker sends nothing."""

from __future__ import annotations

import html
import re
from datetime import date

from sqlalchemy import select

from portal.core import db
from portal.decisions import queries
from portal.decisions.models import Decision, DecisionRevision
from portal.ideas.models import Idea
from portal.moderation.models import AuditEntry
from portal.notifications.models import EmailOutbox, Event, Notification
from portal.workshops.models import Workshop
from tests import factories as f
from tests.conftest import login_as
from tests.decisions import publish
from tests.security import row_counts
from tests.teams import team


def field_error(page: str, name: str) -> str:
    found = re.search(rf'id="{name}-error">(.*?)</p>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split()) if found else ""


def current_form(client, decision_id: int) -> dict:
    """The correction form as staff get it: every field filled with what the decision says."""
    page = client.get(f"/you-said-we-did/{decision_id}/correct").text
    values = {
        name: html.unescape(value)
        for name, value in re.findall(
            r'<input id="(\w+)" name="\w+" type="\w+" value="([^"]*)"', page
        )
    }
    for name, text in re.findall(
        r'<textarea id="(\w+)" name="\w+"[^>]*>(.*?)</textarea>', page, re.S
    ):
        values[name] = html.unescape(text)
    values["teams"] = re.findall(r'name="teams" value="(\d+)" checked', page)
    return values


def revisions(engine, decision_id: int) -> list[DecisionRevision]:
    with db.read(engine) as s:
        return queries.revisions(s, decision_id)


def test_staff_correct_a_typo_and_the_page_says_so(client, engine, staff, patron, category):
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id], title="Longer opneing hours")
    login_as(client, staff)
    page = client.get(f"/you-said-we-did/{decision.id}").text
    assert f'href="/you-said-we-did/{decision.id}/correct"' in page
    assert "Corrected on" not in page
    values = current_form(client, decision.id)
    assert values["title"] == "Longer opneing hours" and values["ideas"] == str(idea.id)
    response = client.post(
        f"/you-said-we-did/{decision.id}/correct", {**values, "title": "Longer opening hours"}
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/you-said-we-did/{decision.id}"
    row = f.get(engine, Decision, decision.id)
    assert row.title == "Longer opening hours" and row.corrected_at is not None
    assert row.published_at == decision.published_at  # still published when it was
    page = client.get(f"/you-said-we-did/{decision.id}").text
    today = f"{row.corrected_at:%b} {row.corrected_at.day}, {row.corrected_at.year}"
    assert f"Corrected on {today}" in page
    assert f'href="/you-said-we-did/{decision.id}/history"' in page
    assert "nobody was notified" in page  # the flash
    assert f.count(engine, AuditEntry, AuditEntry.action == "correct_decision") == 1


def test_every_earlier_version_stays_readable_in_the_history(
    client, engine, staff, patron, category
):
    first_idea = f.idea(engine, patron, category, title="Open later")
    decision = publish(
        engine,
        staff,
        [first_idea.id],
        "piloting",
        title="First title",
        you_said="We asked *first*.",
        we_did="We did [this](https://old.example.org/plan).",
    )
    login_as(client, staff)
    values = current_form(client, decision.id)
    client.post(
        f"/you-said-we-did/{decision.id}/correct",
        {**values, "title": "Second title", "we_did": "We did [this](https://new.example.org)."},
    )
    values = current_form(client, decision.id)
    client.post(
        f"/you-said-we-did/{decision.id}/correct",
        {**values, "title": "Third title", "review_date": "2030-05-01"},
    )
    [second, first] = revisions(engine, decision.id)
    assert (first.title, first.we_did, first.review_date) == (
        "First title",
        "We did [this](https://old.example.org/plan).",
        date(2030, 4, 15),
    )
    assert (second.title, second.review_date) == ("Second title", date(2030, 4, 15))
    assert first.ideas == str(first_idea.id) and first.replaced_by_id == staff.id
    row = f.get(engine, Decision, decision.id)
    assert (row.title, row.review_date) == ("Third title", date(2030, 5, 1))

    client.cookies.clear()  # everyone who can read the decision can read its history
    history = client.get(f"/you-said-we-did/{decision.id}/history")
    assert history.status_code == 200
    text = history.text
    assert text.index("<h3>Second title</h3>") < text.index("<h3>First title</h3>")
    assert "<em>first</em>" in text
    assert 'href="https://old.example.org/plan"' in text
    assert '<a href="/ideas/' + str(first_idea.id) + '">Open later</a>' in text
    assert "Third title" not in text.split("<main", 1)[1].split("<h1>", 1)[1].split("</h1>")[1]


def test_a_correction_notifies_nobody(client, engine, worker, smtp_server, staff, patron, category):
    idea = f.idea(engine, patron, category)
    f.vote(engine, patron, idea.id)
    decision = publish(engine, staff, [idea.id])
    while worker.step():  # publishing tells the voter, by email too
        pass
    worker.step()
    sent = len(smtp_server.messages)
    assert sent >= 1
    before = {
        t: n
        for t, n in row_counts(engine).items()
        if t in ("event", "notification", "email_outbox")
    }

    login_as(client, staff)
    values = current_form(client, decision.id)
    response = client.post(
        f"/you-said-we-did/{decision.id}/correct", {**values, "we_did": "Open until 22:00."}
    )
    assert response.status_code == 303
    for _ in range(3):
        worker.step()

    assert len(smtp_server.messages) == sent
    after = {t: n for t, n in row_counts(engine).items() if t in before}
    assert after == before
    with db.read(engine) as s:
        assert s.execute(select(Event).where(Event.decision_id == decision.id)).scalars().all()
        assert len(s.execute(select(Notification)).scalars().all()) == before["notification"]
        assert len(s.execute(select(EmailOutbox)).scalars().all()) == before["email_outbox"]


def test_a_correction_keeps_the_outcome_and_moves_no_status(
    client, engine, staff, patron, category
):
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id], "adopted")
    assert f.get(engine, Idea, idea.id).status == "planned"
    login_as(client, staff)
    values = current_form(client, decision.id)
    client.post(
        f"/you-said-we-did/{decision.id}/correct",
        {**values, "we_did": "Changed.", "outcome": "declined", "move_status": "1"},
    )
    assert f.get(engine, Decision, decision.id).outcome == "adopted"
    assert f.get(engine, Idea, idea.id).status == "planned"


def test_a_correction_may_change_links_and_teams(client, engine, admin, staff, patron, category):
    right = f.idea(engine, patron, category, title="The right idea")
    wrong = f.idea(engine, patron, category, title="The wrong idea")
    public, spaces = team(engine, admin, "Public services"), team(engine, admin, "Spaces")
    decision = publish(engine, staff, [wrong.id], move_status="", teams=[public.id])
    assert f.get(engine, Idea, right.id).first_response_at is None
    login_as(client, staff)
    values = current_form(client, decision.id)
    assert values["teams"] == [str(public.id)]
    response = client.post(
        f"/you-said-we-did/{decision.id}/correct",
        {**values, "ideas": f"#{right.id}", "teams": [str(spaces.id)]},
    )
    assert response.status_code == 303
    with db.read(engine) as s:
        assert queries.idea_ids(s, decision.id) == [right.id]
        assert queries.team_ids(s, decision.id) == [spaces.id]
    # The newly linked idea is answered; the decision shows on its timeline, not on the other.
    assert f.get(engine, Idea, right.id).first_response_at is not None
    link = f'href="/you-said-we-did/{decision.id}"'
    assert link in client.get(f"/ideas/{right.id}").text
    assert link not in client.get(f"/ideas/{wrong.id}").text
    [old] = revisions(engine, decision.id)
    assert (old.ideas, old.teams) == (str(wrong.id), str(public.id))
    history = client.get(f"/you-said-we-did/{decision.id}/history").text
    assert "The wrong idea" in history and "Public services" in history


def test_an_archived_team_on_the_decision_is_offered_and_may_stay(client, engine, admin, staff):
    from portal.teams import services as teams

    old = team(engine, admin, "Old team")
    decision = publish(engine, staff, teams=[old.id])
    with db.write(engine) as s:
        teams.archive(db=s, actor=admin, team_id=old.id)
    login_as(client, staff)
    values = current_form(client, decision.id)
    assert values["teams"] == [str(old.id)]
    response = client.post(
        f"/you-said-we-did/{decision.id}/correct", {**values, "we_did": "Fixed."}
    )
    assert response.status_code == 303
    with db.read(engine) as s:
        assert queries.team_ids(s, decision.id) == [old.id]


def test_bad_corrections_are_named_and_nothing_is_stored(client, engine, staff, patron, category):
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id], "piloting")
    login_as(client, staff)
    values = current_form(client, decision.id)
    before = (row_counts(engine), f.get(engine, Decision, decision.id))
    for changes, name, message in [
        ({"title": "  "}, "title", "Enter a title for the decision."),
        ({"we_did": "x" * 5001}, "we_did", "Use at most 5000 characters here."),
        ({"pilot_end": "2029-01-01"}, "pilot_end", "The pilot must end after it starts."),
        ({"review_date": "someday"}, "review_date", "Enter a date like 2026-03-31."),
        ({"ideas": "12; x"}, "ideas", "Enter idea numbers separated by commas"),
        ({"ideas": "999999"}, "ideas", "There is no idea number 999999."),
        ({"you_said": "A\x00B"}, "you_said", "Remove the invisible control characters"),
        ({}, "title", "Nothing is changed."),
    ]:
        response = client.post(f"/you-said-we-did/{decision.id}/correct", {**values, **changes})
        assert response.status_code == 400, changes
        assert message in field_error(response.text, name), changes
    kept = client.post(
        f"/you-said-we-did/{decision.id}/correct", {**values, "title": "", "we_did": "New words"}
    )
    assert "New words</textarea>" in kept.text
    assert (row_counts(engine), f.get(engine, Decision, decision.id)) == before


def test_only_staff_may_correct(client, engine, staff, patron, committee, category):
    decision = publish(engine, staff, title="As published")
    path = f"/you-said-we-did/{decision.id}/correct"
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    for person in (patron, committee):
        login_as(client, person)
        assert "Correct this decision" not in client.get(f"/you-said-we-did/{decision.id}").text
        assert client.get(path).status_code == 403
        assert (
            client.post(path, {"title": "Taken over", "you_said": "x", "we_did": "y"}).status_code
            == 403
        )
    assert f.get(engine, Decision, decision.id).title == "As published"
    assert revisions(engine, decision.id) == []


def test_a_missing_decision_has_nothing_to_correct_or_show(client, staff):
    assert client.get("/you-said-we-did/999999/history").status_code == 404
    login_as(client, staff)
    assert client.get("/you-said-we-did/999999/correct").status_code == 404
    assert client.post("/you-said-we-did/999999/correct", {"title": "x"}).status_code == 404


def test_the_history_names_hidden_ideas_and_committee_sessions_only_to_those_who_may_see_them(
    client, engine, staff, patron, committee, category
):
    from tests.security.test_authorization_matrix import committee_session

    idea = f.idea(engine, patron, category, title="A hidden idea")
    meeting = committee_session(engine, staff)
    decision = publish(engine, staff, [idea.id], move_status="", sessions=str(meeting.id))
    login_as(client, staff)
    values = current_form(client, decision.id)
    client.post(f"/you-said-we-did/{decision.id}/correct", {**values, "ideas": "", "sessions": ""})
    with db.write(engine) as s:
        s.get(Idea, idea.id).hidden_at = f.utcnow()
    client.cookies.clear()
    history = client.get(f"/you-said-we-did/{decision.id}/history").text
    assert "A hidden idea" not in history and "Hidden idea" in history
    assert "Committee spring meeting" not in history
    login_as(client, committee)
    assert "Committee spring meeting" in client.get(f"/you-said-we-did/{decision.id}/history").text
    assert f.get(engine, Workshop, meeting.id).audience == "committee"


def test_a_decision_never_corrected_has_an_empty_history(client, engine, staff):
    decision = publish(engine, staff)
    page = client.get(f"/you-said-we-did/{decision.id}/history").text
    assert "This decision has not been corrected." in page


def test_the_feed_says_when_a_decision_was_corrected(client, engine, staff):
    decision = publish(engine, staff, title="Feed me")
    login_as(client, staff)
    values = current_form(client, decision.id)
    client.post(f"/you-said-we-did/{decision.id}/correct", {**values, "title": "Fed"})
    row = f.get(engine, Decision, decision.id)
    feed = client.get("/feeds/decisions.atom").text
    entry = feed.split("<entry>", 1)[1]
    assert "<title>Fed</title>" in entry
    assert f"<updated>{row.corrected_at:%Y-%m-%dT%H:%M:%S}" in entry
    assert f"<published>{row.published_at:%Y-%m-%dT%H:%M:%S}" in entry


def test_a_decision_linking_hundreds_of_ideas_can_be_corrected(engine, staff, patron, category):
    from portal.decisions import services

    ids = f.many_ideas(engine, patron, category, 450)
    decision = publish(engine, staff, ids, move_status="")
    with db.write(engine) as s:
        services.correct(
            db=s,
            actor=staff,
            decision_id=decision.id,
            form={"title": "Corrected", "you_said": "x", "we_did": "y", "ideas": str(ids[0])},
        )
    [old] = revisions(engine, decision.id)
    assert old.ideas == ", ".join(map(str, ids))
    with db.read(engine) as s:
        assert queries.idea_ids(s, decision.id) == [ids[0]]
