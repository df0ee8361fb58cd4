"""A person's answers in their data export, and what deleting the account does to them: the
answers stay counted without the person, so a closed question's results do not move."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts import privacy
from portal.choices import queries
from portal.choices.models import ChoiceAnswer
from portal.core import db
from tests import factories as f
from tests.choices import answer, ask, options


def test_export_holds_the_persons_answers_only(engine, staff, patron, other_patron, category):
    idea = f.idea(engine, patron, category)
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a, b, _c = options(engine, q.id)
    answer(engine, patron, q.id, option=str(a))
    answer(engine, other_patron, q.id, option=str(b))
    with db.read(engine) as s:
        data = privacy.export(s, patron)
    assert [(row["question_id"], row["ranking"]) for row in data["choice_answers"]] == [
        (q.id, str(a))
    ]


def test_deleting_the_account_keeps_the_answer_counted_without_the_person(
    engine, staff, patron, category
):
    idea = f.idea(engine, staff, category)
    q = ask(engine, staff, idea_id=idea.id, kind="pick")
    a = options(engine, q.id)[0]
    answer(engine, patron, q.id, option=str(a))
    with db.write(engine) as s:
        privacy.delete_account(db=s, actor=patron, password_ok=True)
    with db.read(engine) as s:
        (row,) = s.execute(select(ChoiceAnswer)).scalars()
        assert row.user_id is None and row.ranking == str(a)
        assert queries.ballots_of(s, [q.id])[q.id][0] == [((a,), 1)]
