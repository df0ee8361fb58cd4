"""The number of SQL statements a page runs does not grow with the data: the main pages run
the same statements with 3 ideas and comments as with 40 (no N+1 queries), for visitors and
for signed-in people alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.comments import services as comments
from portal.core import db
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from tests import factories as f
from tests.conftest import login_as, make_user

PATHS = ["/", "/ideas", "/ideas?sort=trending&status=new", "/ideas/{target}", "/api/v1/ideas"]


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def add_activity(engine, category, viewer, staff, target: int | None, n: int) -> int:
    """`n` more ideas by `n` new people, each of whom also comments (or replies) on the target
    idea; the viewer votes for every idea and staff answer on the target. Returns its id."""
    people = [make_user(engine) for _ in range(n)]
    with db.write(engine) as s:
        made = [
            ideas.propose(
                db=s,
                actor=person,
                title=f"Idea by {person.display_name}",
                body="Words " * 30,
                category_id=category.id,
            )
            for person in people
        ]
    target = target or made[0].id
    parent = None
    for i, person in enumerate(people):
        note = f.comment(engine, person, target, body=f"Comment {i}", parent_id=parent)
        parent = note.id if i % 3 == 0 else None
    for idea in made:
        f.vote(engine, viewer, idea.id)
    answer = f.comment(engine, staff, target, body="Staff answer")
    with db.write(engine) as s:
        comments.mark_official(db=s, actor=staff, comment_id=answer.id)
        ideas.change_status(
            db=s, actor=staff, idea_id=target, status="under_review", response=f"Seen {n}"
        )
    return target


def measure(client, engine, paths: list[str]) -> dict[str, list[str]]:
    for path in paths:  # warm up: connections, caches, cookies
        assert client.get(path).status_code == 200, path
    counts = {}
    for path in paths:
        with statements(engine) as seen:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = list(seen)
    return counts


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "signed-in"])
def test_pages_run_the_same_statements_however_much_data(
    client, engine, category, patron, staff, signed_in
):
    if signed_in:
        login_as(client, patron)
    target = add_activity(engine, category, patron, staff, None, 3)
    paths = [p.format(target=target) for p in PATHS]
    small = measure(client, engine, paths)

    add_activity(engine, category, patron, staff, target, 37)
    assert f.get(engine, Idea, target).comment_count >= 40
    page = client.get(f"/ideas/{target}").text
    assert page.count('class="comment') >= 40
    large = measure(client, engine, paths)

    for path in paths:
        count_small, count_large = len(small[path]), len(large[path])
        assert count_small == count_large, (path, small[path], large[path])
        assert count_small <= 20, (path, small[path])


def test_counting_sees_the_statements_of_a_request(client, engine):
    """The listener really is on the engine the app uses."""
    with statements(engine) as seen:
        client.get("/ideas")
    assert any("FROM idea" in s for s in seen)
