"""An idea's page and a question's page run the same statements whatever the number of
questions, options and answers."""

from __future__ import annotations

from tests import factories as f
from tests.choices import answer, ask, close, options, ranks
from tests.conftest import login_as, make_user
from tests.test_query_counts import statements


def _measure(client, engine, paths) -> dict[str, int]:
    counts = {}
    for path in paths:
        with statements(engine) as seen:
            assert client.get(path).status_code == 200
        counts[path] = len(seen)
    return counts


def _add(engine, staff, idea_id, people, n):
    for _ in range(n):
        q = ask(engine, staff, idea_id=idea_id)
        ids = options(engine, q.id)
        for i, person in enumerate(people):
            answer(engine, person, q.id, **ranks(ids, *(((i + k) % 3) + 1 for k in range(3))))
        close(engine, q.id)
    return q


def test_question_pages_do_not_grow_with_questions_and_answers(client, engine, staff, category):
    idea = f.idea(engine, staff, category)
    people = [make_user(engine) for _ in range(6)]
    first = _add(engine, staff, idea.id, people[:1], 1)
    login_as(client, staff)
    paths = (f"/ideas/{idea.id}", f"/choices/{first.id}")
    small = _measure(client, engine, paths)
    _add(engine, staff, idea.id, people, 5)
    large = _measure(client, engine, paths)
    assert small == large
