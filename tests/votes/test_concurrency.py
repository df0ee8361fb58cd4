"""Many people voting, withdrawing, commenting and deleting at the same moment, against one
real database (a SQLite file in WAL mode, or PostgreSQL): every idea's counters still equal
its rows, nobody has two votes, and nobody sees an error.

Each person's work runs twice in parallel with the same steps, as a double click or two open
tabs would, so the services also meet themselves.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import partial

from sqlalchemy import func, select

from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.core.errors import Forbidden
from portal.ideas.models import Idea
from portal.votes import services as votes
from portal.votes.models import Vote
from tests import factories as f
from tests.conftest import make_user

PEOPLE = 20
TWINS = 10
STEPS = 12


def run_together(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Start every job at the same instant; return what they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], None]) -> None:
        try:
            start.wait(timeout=30)
            job()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker thread hung"
    return errors


def step(engine, user, idea_id: int, action: str, n: int) -> None:
    with db.write(engine) as s:
        if action == "vote":
            votes.vote(db=s, actor=user, idea_id=idea_id)
        elif action == "withdraw":
            votes.withdraw(db=s, actor=user, idea_id=idea_id)
        elif action == "comment":
            comments.add(db=s, actor=user, idea_id=idea_id, body=f"Comment {n}")
        else:
            own = s.execute(
                select(Comment.id)
                .where(Comment.author_id == user.id, Comment.deleted_at.is_(None))
                .order_by(Comment.id)
                .limit(1)
            ).scalar()
            # When the twin deleted it first, Forbidden is exactly what a second click gets.
            if own is not None:
                with suppress(Forbidden):
                    comments.delete(db=s, actor=user, comment_id=own)


def test_concurrent_votes_and_comments_keep_counters_exact(engine, category):
    if engine.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    people = [make_user(engine) for _ in range(PEOPLE)]
    ideas = f.many_ideas(engine, people[0], category, 3)
    actions = ("vote", "vote", "withdraw", "comment", "delete")

    def worker(index: int) -> Callable[[], None]:
        def job() -> None:
            rng = random.Random(index)  # the twin draws the very same steps
            for n in range(STEPS):
                step(engine, people[index], rng.choice(ideas), rng.choice(actions), n)

        return job

    jobs = [worker(i) for i in range(PEOPLE)] + [worker(i) for i in range(TWINS)]
    errors = run_together(jobs)

    assert errors == []
    assert f.counter_mismatches(engine) == []
    with db.read(engine) as s:
        doubles = s.execute(
            select(Vote.idea_id, Vote.user_id)
            .group_by(Vote.idea_id, Vote.user_id)
            .having(func.count() > 1)
        ).all()
        total_votes = s.execute(select(func.sum(Idea.vote_count))).scalar()
        total_comments = s.execute(select(func.count()).select_from(Comment)).scalar()
    assert doubles == []
    assert total_votes > 0 and total_comments > 0


def withdraw_once(engine, user, idea_id: int, results: list[bool]) -> None:
    with db.write(engine) as s:
        results.append(votes.withdraw(db=s, actor=user, idea_id=idea_id))


def delete_once(engine, user, comment_id: int) -> None:
    with db.write(engine) as s:
        comments.delete(db=s, actor=user, comment_id=comment_id)


def test_concurrent_withdrawals_of_one_vote_count_once(engine, patron, category):
    idea = f.idea(engine, patron, category)
    for _ in range(5):
        f.vote(engine, patron, idea.id)
        results: list[bool] = []
        job = partial(withdraw_once, engine, patron, idea.id, results)
        assert run_together([job] * 8) == []
        assert sorted(results) == [False] * 7 + [True]
        assert f.get(engine, Idea, idea.id).vote_count == 0
    assert f.counter_mismatches(engine) == []


def test_concurrent_deletions_of_one_comment_count_once(engine, patron, category):
    idea = f.idea(engine, patron, category)
    f.comment(engine, patron, idea.id, body="Keep me")
    for _ in range(5):
        note = f.comment(engine, patron, idea.id, body="Delete me")
        errors = run_together([partial(delete_once, engine, patron, note.id)] * 8)
        assert len(errors) == 7 and all(isinstance(e, Forbidden) for e in errors)
        assert f.get(engine, Idea, idea.id).comment_count == 1
    assert f.counter_mismatches(engine) == []
