"""`portal check` names a stored ranking that is not options of its own question, each once."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from portal.choices.models import ChoiceAnswer
from portal.core import db
from portal.domains import check
from tests import factories as f
from tests.choices import answer, ask, options


@pytest.mark.parametrize("bad", ["{a},{a}", "{foreign}", "", "x"])
def test_check_names_a_ranking_that_is_not_the_questions_options(
    engine, staff, patron, category, bad
):
    idea = f.idea(engine, patron, category)
    q, other = ask(engine, staff, idea_id=idea.id), ask(engine, staff, idea_id=idea.id)
    a, foreign = options(engine, q.id)[0], options(engine, other.id)[0]
    answer(engine, patron, q.id, **{f"rank-{a}": "1"})
    assert [str(x) for x in check(engine).findings] == []
    with db.write(engine) as s:
        s.execute(update(ChoiceAnswer).values(ranking=bad.format(a=a, foreign=foreign)))
    (finding,) = check(engine).findings
    assert finding.subject.startswith("answer ") and not finding.repairable
