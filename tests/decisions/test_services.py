"""Decisions through their services: publishing (validation, linked ideas and their status,
the queued event), the follow-up answer, and recording a pilot review."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.core import db
from portal.core.errors import Forbidden, ValidationError
from portal.decisions import queries, services
from portal.decisions.models import Decision, DecisionIdea, FollowUp
from portal.ideas.models import Idea, StatusChange
from portal.notifications.models import Event
from tests import factories as f
from tests.decisions import WE_DID, form, publish, stored
from tests.teams import team


def history(engine, idea_id: int) -> list[StatusChange]:
    with db.read(engine) as s:
        return list(
            s.execute(
                select(StatusChange)
                .where(StatusChange.idea_id == idea_id)
                .order_by(StatusChange.id)
            ).scalars()
        )


@pytest.mark.parametrize(
    ("outcome", "extra", "status"),
    [
        ("adopted", {}, "planned"),
        ("adopted", {"adopted_status": "done"}, "done"),
        ("piloting", {}, "piloting"),
        ("declined", {}, "declined"),
    ],
)
def test_publish_moves_linked_ideas_status_with_the_decision_as_response(
    engine, patron, staff, category, outcome, extra, status
):
    first = f.idea(engine, patron, category, title="Open later")
    second = f.idea(engine, patron, category, title="Open on Sundays")
    decision = publish(
        engine, staff, [first.id, second.id], outcome, title="Evening hours", **extra
    )
    for idea_id in (first.id, second.id):
        assert f.get(engine, Idea, idea_id).status == status
        [change] = history(engine, idea_id)
        assert (change.from_status, change.to_status) == ("new", status)
        assert change.actor_id == staff.id
        assert "Evening hours" in change.response and WE_DID in change.response
    with db.read(engine) as s:
        assert queries.idea_ids(s, decision.id) == [first.id, second.id]
    assert f.get(engine, Decision, decision.id).outcome == outcome


def test_publish_stores_the_decision_and_queues_one_event(engine, patron, staff, admin, category):
    idea = f.idea(engine, patron, category)
    services_team = team(engine, admin, "Customer services")
    before = f.count(engine, Event)
    decision = publish(engine, staff, [idea.id], "piloting", teams=[services_team.id])
    row = f.get(engine, Decision, decision.id)
    assert row.author_id == staff.id
    with db.read(engine) as s:
        assert queries.team_ids(s, decision.id) == [services_team.id]
    assert (row.pilot_start, row.pilot_end, row.review_date) == (
        date(2030, 1, 6),
        date(2030, 3, 31),
        date(2030, 4, 15),
    )
    events = f.count(engine, Event, Event.kind == "decision", Event.decision_id == decision.id)
    assert events == 1
    # The ideas' status moved without a "status" event of its own: the decision tells people.
    assert f.count(engine, Event) == before + 1


def test_publish_without_move_status_leaves_the_ideas_alone(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    publish(engine, staff, [idea.id], "adopted", move_status="")
    assert f.get(engine, Idea, idea.id).status == "new"
    assert history(engine, idea.id) == []


def test_publish_deferred_does_not_change_status(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    publish(engine, staff, [idea.id], "deferred")
    assert f.get(engine, Idea, idea.id).status == "new"


def test_publish_accepts_hashes_and_repeats_in_links(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, outcome="adopted", ideas=f"#{idea.id}; {idea.id}")
    assert f.count(engine, DecisionIdea, DecisionIdea.decision_id == decision.id) == 1


@pytest.mark.parametrize("role", ["patron", "committee"])
def test_publish_by_non_staff_is_forbidden_and_stores_nothing(
    engine, patron, committee, category, role
):
    actor = {"patron": patron, "committee": committee}[role]
    idea = f.idea(engine, patron, category)
    before = stored(engine)
    with pytest.raises(Forbidden):
        publish(engine, actor, [idea.id])
    assert stored(engine) == before
    assert f.get(engine, Idea, idea.id).status == "new"


BAD_INPUT = [
    ("missing we did", "adopted", {"we_did": "   "}, "we_did"),
    ("missing you said", "adopted", {"you_said": ""}, "you_said"),
    ("missing title", "adopted", {"title": " "}, "title"),
    ("unknown outcome", "maybe", {}, "outcome"),
    ("unknown idea", "adopted", {"ideas": "9999"}, "ideas"),
    ("non-numeric links", "adopted", {"ideas": "twelve"}, "ideas"),
    ("declined without reason", "declined", {"reason": ""}, "reason"),
    ("deferred without reason", "deferred", {"reason": " "}, "reason"),
    ("piloting without start", "piloting", {"pilot_start": ""}, "pilot_start"),
    ("piloting without end", "piloting", {"pilot_end": ""}, "pilot_end"),
    ("piloting without review", "piloting", {"review_date": ""}, "review_date"),
    (
        "pilot ends before it starts",
        "piloting",
        {"pilot_start": "2030-03-01", "pilot_end": "2030-02-01"},
        "pilot_end",
    ),
    ("bad date", "piloting", {"pilot_start": "31/01/2030"}, "pilot_start"),
    ("title too long", "adopted", {"title": "x" * 161}, "title"),
]


@pytest.mark.parametrize(
    ("case", "outcome", "fields", "key"), BAD_INPUT, ids=[b[0] for b in BAD_INPUT]
)
def test_publish_rejects_bad_input_and_stores_nothing(
    engine, patron, staff, category, case, outcome, fields, key
):
    idea = f.idea(engine, patron, category)
    fields = {"ideas": str(idea.id), **fields}
    before = stored(engine)
    with pytest.raises(ValidationError) as caught:
        publish(engine, staff, (), outcome, **fields)
    assert key in caught.value.errors, caught.value.errors
    assert stored(engine) == before
    assert f.get(engine, Idea, idea.id).status == "new"


def test_publish_unknown_idea_names_the_missing_number(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as caught:
        publish(engine, staff, [idea.id, 9999])
    assert "9999" in caught.value.errors["ideas"]
    assert str(idea.id) not in caught.value.errors["ideas"].replace("9999", "")


def test_publish_with_an_existing_idea_in_the_target_status_adds_no_history(
    engine, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    f.set_status(engine, idea.id, "planned")
    publish(engine, staff, [idea.id], "adopted")
    assert history(engine, idea.id) == []
    assert f.get(engine, Idea, idea.id).status == "planned"


# -- follow-up ------------------------------------------------------------------------------


def notified_decision(engine, worker, patron, staff, category) -> Decision:
    """A decision on an idea the patron proposed (and so follows), fanned out by the worker."""
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id])
    worker.step()
    return decision


def answer(engine, actor, decision_id: int, rating, comment: str = "") -> FollowUp:
    with db.write(engine) as s:
        return services.answer_follow_up(
            db=s, actor=actor, decision_id=decision_id, rating=rating, comment=comment
        )


def test_follow_up_needs_the_decision_to_have_been_fanned_out(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    decision = publish(engine, staff, [idea.id])
    with pytest.raises(Forbidden):
        answer(engine, patron, decision.id, 4)
    assert f.count(engine, FollowUp) == 0


def test_follow_up_by_a_notified_person_is_stored(engine, worker, patron, staff, category):
    decision = notified_decision(engine, worker, patron, staff, category)
    answer(engine, patron, decision.id, "4", "  Much better.  ")
    with db.read(engine) as s:
        mine = queries.my_follow_up(s, decision.id, patron.id)
    assert (mine.rating, mine.comment) == (4, "Much better.")


def test_follow_up_answered_twice_keeps_one_changed_answer(engine, worker, patron, staff, category):
    decision = notified_decision(engine, worker, patron, staff, category)
    answer(engine, patron, decision.id, 2, "Not yet.")
    answer(engine, patron, decision.id, 5, "Now it does.")
    with db.read(engine) as s:
        rows = list(s.execute(select(FollowUp)).scalars())
    assert [(r.user_id, r.rating, r.comment) for r in rows] == [(patron.id, 5, "Now it does.")]


@pytest.mark.parametrize("rating", [0, 6, "x", "", "4.5", -1])
def test_follow_up_rejects_a_rating_outside_one_to_five(
    engine, worker, patron, staff, category, rating
):
    decision = notified_decision(engine, worker, patron, staff, category)
    with pytest.raises(ValidationError) as caught:
        answer(engine, patron, decision.id, rating)
    assert "rating" in caught.value.errors
    assert f.count(engine, FollowUp) == 0


def test_follow_up_rejects_a_too_long_comment(engine, worker, patron, staff, category):
    decision = notified_decision(engine, worker, patron, staff, category)
    with pytest.raises(ValidationError) as caught:
        answer(engine, patron, decision.id, 3, "x" * 2001)
    assert "comment" in caught.value.errors
    assert f.count(engine, FollowUp) == 0


def test_follow_up_by_someone_not_notified_is_forbidden(
    engine, worker, patron, other_patron, staff, category
):
    decision = notified_decision(engine, worker, patron, staff, category)
    with pytest.raises(Forbidden):
        answer(engine, other_patron, decision.id, 5)
    # The author of the decision was not notified either.
    with pytest.raises(Forbidden):
        answer(engine, staff, decision.id, 5)
    assert f.count(engine, FollowUp) == 0


def test_follow_up_summary_counts_and_distributes_answers(
    engine, worker, patron, other_patron, staff, category
):
    idea = f.idea(engine, patron, category)
    f.vote(engine, other_patron, idea.id)
    decision = publish(engine, staff, [idea.id])
    worker.step()
    answer(engine, patron, decision.id, 5)
    answer(engine, other_patron, decision.id, 2)
    with db.read(engine) as s:
        summary = queries.follow_up_summaries(s, [decision.id])[decision.id]
    assert summary.count == 2
    assert summary.distribution == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}
    assert summary.average == 3.5
    assert summary.share(5) == 50


# -- pilot reviews --------------------------------------------------------------------------


def test_overdue_reviews_lists_unreviewed_pilots_past_their_review_date(engine, staff):
    due = publish(
        engine,
        staff,
        (),
        "piloting",
        title="Due",
        pilot_start="2024-01-01",
        pilot_end="2024-02-01",
        review_date="2024-03-01",
    )
    publish(engine, staff, (), "piloting", title="Later", review_date="2030-04-15")
    publish(engine, staff, (), "adopted", title="Not a pilot")
    with db.read(engine) as s:
        assert [d.id for d in queries.overdue_reviews(s, date(2025, 1, 1))] == [due.id]
    with db.write(engine) as s:
        services.mark_reviewed(db=s, actor=staff, decision_id=due.id)
    with db.read(engine) as s:
        assert queries.overdue_reviews(s, date(2025, 1, 1)) == []


def test_mark_reviewed_by_a_patron_is_forbidden(engine, patron, staff):
    due = publish(
        engine,
        staff,
        (),
        "piloting",
        pilot_start="2024-01-01",
        pilot_end="2024-02-01",
        review_date="2024-03-01",
    )
    with pytest.raises(Forbidden), db.write(engine) as s:
        services.mark_reviewed(db=s, actor=patron, decision_id=due.id)
    assert f.get(engine, Decision, due.id).reviewed_at is None


def test_form_helper_is_valid_for_every_outcome(engine, staff):
    # Guards the builders above: each outcome's default form publishes.
    for outcome in ("adopted", "piloting", "declined", "deferred"):
        assert publish(engine, staff, (), outcome).outcome == outcome
    assert form()["move_status"] == "1"
