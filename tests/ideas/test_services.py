"""Ideas services: propose, edit, change status with a public response, mark duplicates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.accounts import privacy
from portal.core import db
from portal.core.clock import aware, utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.ideas import queries, services
from portal.ideas.models import Idea, StatusChange
from portal.ideas.trending import weight
from portal.votes.models import Follow, Vote
from tests import factories as f
from tests.conftest import make_user


def propose(engine, actor, category_id, **kwargs):
    values = {"title": "Quiet study room", "body": "A room with no phones.", **kwargs}
    with db.write(engine) as s:
        return services.propose(db=s, actor=actor, category_id=category_id, **values)


def test_propose_stores_the_idea_and_the_author_follows_it(engine, patron, category):
    idea = propose(engine, patron, category.id, title="  Quiet   study room ")
    stored = f.get(engine, Idea, idea.id)
    assert stored.title == "Quiet study room"
    assert (stored.author_id, stored.status, stored.origin) == (patron.id, "new", "patron")
    assert stored.vote_count == 0 and stored.trending > 0
    assert f.followers_of(engine, idea.id) == {patron.id}


def test_propose_as_library_proposal_by_staff_has_library_origin(engine, staff, category):
    idea = propose(engine, staff, category.id, library_proposal=True)
    assert f.get(engine, Idea, idea.id).origin == "library"


def test_propose_as_library_proposal_by_patron_stays_a_patron_idea(engine, patron, category):
    idea = propose(engine, patron, category.id, library_proposal=True)
    assert f.get(engine, Idea, idea.id).origin == "patron"


def test_propose_by_blocked_user_is_forbidden(engine, patron, category):
    patron.blocked_at = utcnow()
    with pytest.raises(Forbidden):
        propose(engine, patron, category.id)
    assert f.count(engine, Idea) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": " \t\n "}, "title"),
        ({"title": "x" * 121}, "title"),
        ({"body": ""}, "body"),
        ({"body": "  \r\n "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"title": "Nul\x00title"}, "title"),
        ({"body": "Nul\x00body"}, "body"),
        ({"category_id": 999_999}, "category_id"),
        ({"category_id": "not-a-number"}, "category_id"),
        ({"category_id": ""}, "category_id"),
        ({"category_id": "9" * 40}, "category_id"),
    ],
)
def test_propose_rejects_bad_input_naming_the_field(engine, patron, category, changes, field):
    values = {"category_id": category.id, **changes}
    with pytest.raises(ValidationError) as caught:
        propose(engine, patron, **values)
    assert field in caught.value.errors
    assert caught.value.errors[field]
    assert f.count(engine, Idea) == 0
    assert f.count(engine, Follow) == 0


def test_propose_accepts_the_longest_allowed_title_and_body(engine, patron, category):
    idea = propose(engine, patron, category.id, title="t" * 120, body="b" * 10_000)
    stored = f.get(engine, Idea, idea.id)
    assert len(stored.title) == 120 and len(stored.body) == 10_000


def test_propose_reports_every_bad_field_at_once(engine, patron, category):
    with pytest.raises(ValidationError) as caught:
        propose(engine, patron, "", title="", body="")
    assert set(caught.value.errors) == {"title", "body", "category_id"}


def edit(engine, actor, idea_id, **kwargs):
    values = {"title": "Edited title", "body": "Edited body", "category_id": None, **kwargs}
    with db.write(engine) as s:
        return services.edit(db=s, actor=actor, idea_id=idea_id, **values)


def test_edit_by_author_while_new_changes_the_idea(engine, patron, category):
    idea = f.idea(engine, patron, category)
    edit(engine, patron, idea.id, category_id=category.id)
    stored = f.get(engine, Idea, idea.id)
    assert (stored.title, stored.body) == ("Edited title", "Edited body")
    assert aware(stored.updated_at) >= aware(idea.updated_at)


def test_edit_by_author_after_staff_responded_is_forbidden(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    change(engine, staff, idea.id, "under_review")
    with pytest.raises(Forbidden):
        edit(engine, patron, idea.id, category_id=category.id)
    assert f.get(engine, Idea, idea.id).title == idea.title


def test_edit_by_staff_works_on_any_idea(engine, patron, staff, category):
    idea = f.idea(engine, patron, category, status="planned")
    edit(engine, staff, idea.id, category_id=category.id)
    assert f.get(engine, Idea, idea.id).title == "Edited title"


def test_edit_by_another_patron_is_forbidden_and_changes_nothing(
    engine, patron, other_patron, category
):
    idea = f.idea(engine, patron, category)
    with pytest.raises(Forbidden):
        edit(engine, other_patron, idea.id, category_id=category.id)
    stored = f.get(engine, Idea, idea.id)
    assert (stored.title, stored.body) == (idea.title, idea.body)


def test_edit_with_bad_input_keeps_the_stored_idea(engine, patron, category):
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as caught:
        edit(engine, patron, idea.id, title="x" * 121, category_id=category.id)
    assert "title" in caught.value.errors
    assert f.get(engine, Idea, idea.id).title == idea.title


def test_edit_unknown_idea_is_not_found(engine, patron, category):
    with pytest.raises(NotFound):
        edit(engine, patron, 999_999, category_id=category.id)


def change(engine, actor, idea_id, status, response="", duplicate_of=None):
    with db.write(engine) as s:
        return services.change_status(
            db=s,
            actor=actor,
            idea_id=idea_id,
            status=status,
            response=response,
            duplicate_of=duplicate_of,
        )


def test_change_status_keeps_the_response_in_history(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    change(engine, staff, idea.id, "under_review", "We are looking at the budget.")
    change(engine, staff, idea.id, "planned", "Starting in May.")
    with db.read(engine) as s:
        history = queries.history(s, idea.id)
    steps = [(h.from_status, h.to_status, h.response, h.actor_id) for h in history]
    assert steps == [
        ("new", "under_review", "We are looking at the budget.", staff.id),
        ("under_review", "planned", "Starting in May.", staff.id),
    ]
    assert f.get(engine, Idea, idea.id).status == "planned"


def test_change_status_sets_first_response_once(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    before = utcnow()
    change(engine, staff, idea.id, "under_review")
    first = aware(f.get(engine, Idea, idea.id).first_response_at)
    assert first >= before - timedelta(seconds=1)
    change(engine, staff, idea.id, "planned")
    assert aware(f.get(engine, Idea, idea.id).first_response_at) == first


def test_change_status_by_patron_is_forbidden_and_writes_nothing(engine, patron, category):
    idea = f.idea(engine, patron, category)
    with pytest.raises(Forbidden):
        change(engine, patron, idea.id, "planned", "I planned it myself.")
    stored = f.get(engine, Idea, idea.id)
    assert stored.status == "new" and stored.first_response_at is None
    assert f.count(engine, StatusChange) == 0


def test_change_status_to_the_same_status_without_response_is_an_error(
    engine, patron, staff, category
):
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as caught:
        change(engine, staff, idea.id, "new")
    assert "status" in caught.value.errors
    assert f.count(engine, StatusChange) == 0


def test_change_status_to_the_same_status_with_a_response_is_kept(engine, patron, staff, category):
    idea = f.idea(engine, patron, category)
    change(engine, staff, idea.id, "new", "We read this and will come back to it.")
    assert f.count(engine, StatusChange, StatusChange.idea_id == idea.id) == 1


@pytest.mark.parametrize("status", ["", "closed", "NEW", "under review"])
def test_change_status_to_an_unknown_status_is_an_error(engine, patron, staff, category, status):
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as caught:
        change(engine, staff, idea.id, status, "Hello")
    assert "status" in caught.value.errors
    assert f.get(engine, Idea, idea.id).status == "new"
    assert f.count(engine, StatusChange) == 0


@pytest.mark.parametrize("response", ["x" * 5001, "Nul\x00byte"])
def test_change_status_with_bad_response_is_an_error(engine, patron, staff, category, response):
    idea = f.idea(engine, patron, category)
    with pytest.raises(ValidationError) as caught:
        change(engine, staff, idea.id, "planned", response)
    assert "response" in caught.value.errors
    assert f.get(engine, Idea, idea.id).status == "new"


def test_change_status_of_unknown_idea_is_not_found(engine, staff):
    with pytest.raises(NotFound):
        change(engine, staff, 999_999, "planned")


@pytest.mark.parametrize("target", [None, "", "abc", "self", "999999", "dup"])
def test_mark_duplicate_needs_another_live_idea(engine, patron, staff, category, target):
    idea = f.idea(engine, patron, category)
    dup = f.idea(engine, patron, category, title="Already a duplicate", status="duplicate")
    raw = {"self": str(idea.id), "dup": str(dup.id)}.get(target, target)
    with pytest.raises(ValidationError) as caught:
        change(engine, staff, idea.id, "duplicate", duplicate_of=raw)
    assert "duplicate_of" in caught.value.errors
    assert f.get(engine, Idea, idea.id).status == "new"


def test_mark_duplicate_moves_votes_and_followers_to_the_original(engine, staff, category):
    author, a, b, both = (make_user(engine) for _ in range(4))
    original = f.idea(engine, author, category, title="Longer hours")
    copy = f.idea(engine, a, category, title="Open later")
    for user in (b, both):
        f.vote(engine, user, original.id)
    for user in (a, both):
        f.vote(engine, user, copy.id)

    change(
        engine, staff, copy.id, "duplicate", "Same as the other.", duplicate_of=f"#{original.id}"
    )

    assert f.votes_of(engine, original.id) == {a.id, b.id, both.id}
    assert f.votes_of(engine, copy.id) == set()
    assert f.followers_of(engine, original.id) == {author.id, a.id, b.id, both.id}
    assert f.followers_of(engine, copy.id) == set()
    merged, dup = f.get(engine, Idea, original.id), f.get(engine, Idea, copy.id)
    assert merged.vote_count == 3 and dup.vote_count == 0
    assert (dup.status, dup.duplicate_of_id) == ("duplicate", original.id)
    assert dup.first_response_at is not None
    assert f.counter_mismatches(engine) == []
    with db.read(engine) as s:
        times = s.execute(select(Vote.created_at).where(Vote.idea_id == original.id)).scalars()
        expected = weight(merged.created_at) + sum(weight(t) for t in times)
    assert merged.trending == pytest.approx(expected)
    assert dup.trending == pytest.approx(weight(dup.created_at))


def _delete_account(engine, person):
    with db.write(engine) as s:
        privacy.delete_account(db=s, actor=person, password_ok=True)


def test_mark_duplicate_moves_the_votes_of_deleted_accounts_too(engine, staff, category):
    author, a, b, gone, left = (make_user(engine) for _ in range(5))
    original = f.idea(engine, author, category, title="Longer hours")
    copy = f.idea(engine, author, category, title="Open later")
    for user in (b, left):
        f.vote(engine, user, original.id)
    for user in (a, gone, b):
        f.vote(engine, user, copy.id)
    _delete_account(engine, left)  # an anonymous vote on the original
    _delete_account(engine, gone)  # and one on the copy

    change(engine, staff, copy.id, "duplicate", duplicate_of=str(original.id))

    # b backed both and keeps one vote; both anonymous votes stay (nobody can tell whose).
    assert f.votes_of(engine, original.id) == {None, a.id, b.id}
    assert f.count(engine, Vote, Vote.idea_id == original.id) == 4
    assert f.get(engine, Idea, original.id).vote_count == 4
    assert f.counter_mismatches(engine) == []


def test_marking_an_original_a_duplicate_moves_its_duplicates_along(engine, staff, category):
    author = make_user(engine)
    first, second, third = (
        f.idea(engine, author, category, title=t) for t in ("Later hours", "Open late", "Night")
    )
    change(engine, staff, first.id, "duplicate", duplicate_of=second.id)
    change(engine, staff, second.id, "duplicate", duplicate_of=third.id)
    # The first points at the idea that now holds its votes, not at another duplicate.
    assert f.get(engine, Idea, first.id).duplicate_of_id == third.id
    assert f.get(engine, Idea, second.id).duplicate_of_id == third.id


def test_an_idea_that_is_no_longer_a_duplicate_points_nowhere(engine, staff, category):
    author = make_user(engine)
    original, copy = (f.idea(engine, author, category, title=t) for t in ("Later", "Late"))
    change(engine, staff, copy.id, "duplicate", duplicate_of=original.id)
    change(engine, staff, copy.id, "under_review", "Not the same after all.")
    assert f.get(engine, Idea, copy.id).duplicate_of_id is None
