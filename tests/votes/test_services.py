"""Votes and follows services: one vote per person per idea (kept by the database), withdraw,
closed ideas, counters that always equal the rows."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from portal.comments import services as comments
from portal.core import db
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound
from portal.ideas.models import Idea
from portal.ideas.trending import weight
from portal.votes import queries, services
from portal.votes.models import Follow, Vote
from tests import factories as f
from tests.conftest import make_user


def withdraw(engine, user, idea_id) -> bool:
    with db.write(engine) as s:
        return services.withdraw(db=s, actor=user, idea_id=idea_id)


@pytest.mark.parametrize("model", [Vote, Follow])
def test_database_refuses_a_second_row_for_the_same_person_and_idea(
    engine, patron, other_patron, category, model
):
    idea = f.idea(engine, other_patron, category)
    with db.write(engine) as s:
        s.add(model(idea_id=idea.id, user_id=patron.id))
    with pytest.raises(IntegrityError), db.write(engine) as s:
        s.add(model(idea_id=idea.id, user_id=patron.id))
        s.flush()
    assert f.count(engine, model, model.user_id == patron.id) == 1


def test_vote_counts_once_and_follows_the_idea(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    assert f.vote(engine, patron, idea.id) is True
    stored = f.get(engine, Idea, idea.id)
    assert stored.vote_count == 1
    assert stored.trending > idea.trending
    assert f.votes_of(engine, idea.id) == {patron.id}
    assert f.followers_of(engine, idea.id) == {other_patron.id, patron.id}


def test_vote_twice_is_a_no_op(engine, patron, category):
    idea = f.idea(engine, patron, category)
    assert f.vote(engine, patron, idea.id) is True
    trending = f.get(engine, Idea, idea.id).trending
    assert f.vote(engine, patron, idea.id) is False
    stored = f.get(engine, Idea, idea.id)
    assert (stored.vote_count, stored.trending) == (1, trending)
    assert f.count(engine, Vote) == 1 and f.count(engine, Follow) == 1


def test_vote_twice_in_one_transaction_keeps_the_transaction_usable(engine, patron, category):
    idea = f.idea(engine, patron, category)
    with db.write(engine) as s:
        assert services.vote(db=s, actor=patron, idea_id=idea.id) is True
        assert services.vote(db=s, actor=patron, idea_id=idea.id) is False
        assert s.get(Idea, idea.id) is not None
    assert f.get(engine, Idea, idea.id).vote_count == 1


def test_withdraw_takes_the_vote_back(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    f.vote(engine, patron, idea.id)
    assert withdraw(engine, patron, idea.id) is True
    stored = f.get(engine, Idea, idea.id)
    assert stored.vote_count == 0
    assert stored.trending == pytest.approx(weight(stored.created_at))
    assert f.votes_of(engine, idea.id) == set()
    assert patron.id in f.followers_of(engine, idea.id)


def test_withdraw_without_a_vote_is_a_no_op(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    f.vote(engine, other_patron, idea.id)
    assert withdraw(engine, patron, idea.id) is False
    assert f.get(engine, Idea, idea.id).vote_count == 1


def test_vote_and_withdraw_on_unknown_idea_are_not_found(engine, patron):
    with pytest.raises(NotFound):
        f.vote(engine, patron, 999_999)
    with pytest.raises(NotFound):
        withdraw(engine, patron, 999_999)
    assert f.count(engine, Vote) == 0 and f.count(engine, Follow) == 0


@pytest.mark.parametrize("status", ["done", "declined", "duplicate"])
def test_vote_on_a_closed_idea_is_forbidden(engine, patron, other_patron, category, status):
    idea = f.idea(engine, other_patron, category, status=status)
    with pytest.raises(Forbidden):
        f.vote(engine, patron, idea.id)
    assert f.get(engine, Idea, idea.id).vote_count == 0
    assert f.votes_of(engine, idea.id) == set()
    assert patron.id not in f.followers_of(engine, idea.id)


@pytest.mark.parametrize("status", ["new", "under_review", "planned", "piloting"])
def test_vote_on_an_open_idea_is_allowed(engine, patron, other_patron, category, status):
    idea = f.idea(engine, other_patron, category, status=status)
    assert f.vote(engine, patron, idea.id) is True


def test_withdraw_still_works_after_the_idea_closed(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    f.vote(engine, patron, idea.id)
    f.set_status(engine, idea.id, "done")
    assert withdraw(engine, patron, idea.id) is True
    assert f.get(engine, Idea, idea.id).vote_count == 0


def test_vote_by_blocked_user_is_forbidden(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    patron.blocked_at = utcnow()
    with pytest.raises(Forbidden):
        f.vote(engine, patron, idea.id)
    assert f.votes_of(engine, idea.id) == set()


def test_follow_and_unfollow_are_idempotent(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    with db.write(engine) as s:
        assert services.follow(db=s, actor=patron, idea_id=idea.id) is True
        assert services.follow(db=s, actor=patron, idea_id=idea.id) is False
    with db.read(engine) as s:
        assert queries.is_following(s, patron.id, idea.id)
        assert queries.follower_count(s, idea.id) == 2
    with db.write(engine) as s:
        assert services.unfollow(db=s, actor=patron, idea_id=idea.id) is True
        assert services.unfollow(db=s, actor=patron, idea_id=idea.id) is False
    with db.read(engine) as s:
        assert not queries.is_following(s, patron.id, idea.id)
        assert not queries.is_following(s, None, idea.id)


def test_unfollow_keeps_the_vote(engine, patron, other_patron, category):
    idea = f.idea(engine, other_patron, category)
    f.vote(engine, patron, idea.id)
    with db.write(engine) as s:
        services.unfollow(db=s, actor=patron, idea_id=idea.id)
    assert f.votes_of(engine, idea.id) == {patron.id}
    assert patron.id not in f.followers_of(engine, idea.id)


def test_voted_ids_reads_a_whole_list_at_once(engine, patron, other_patron, category):
    ids = f.many_ideas(engine, other_patron, category, 3)
    f.vote(engine, patron, ids[0])
    f.vote(engine, patron, ids[2])
    f.vote(engine, other_patron, ids[1])
    with db.read(engine) as s:
        assert queries.voted_ids(s, patron.id, ids) == {ids[0], ids[2]}
        assert queries.voted_ids(s, None, ids) == set()
        assert queries.voted_ids(s, patron.id, []) == set()


def test_counters_equal_the_rows_after_a_mix_of_actions(engine, category):
    people = [make_user(engine) for _ in range(5)]
    ids = f.many_ideas(engine, people[0], category, 3)
    for i, person in enumerate(people):
        for idea_id in ids[: i % 3 + 1]:
            f.vote(engine, person, idea_id)
            f.vote(engine, person, idea_id)
        note = f.comment(engine, person, ids[i % 3], body=f"Comment {i}")
        f.comment(engine, person, ids[i % 3], body="A reply", parent_id=note.id)
        if i % 2:
            withdraw(engine, person, ids[0])
            with db.write(engine) as s:
                comments.delete(db=s, actor=person, comment_id=note.id)
    assert f.counter_mismatches(engine) == []
    assert f.get(engine, Idea, ids[0]).vote_count == 3
