"""What `portal check` verifies of questions: every stored ranking (a person's answer or a
desk answer) names options of its own question, each once. Options never change once a
question is asked, so a ranking that breaks this was written by something other than the
services; it is reported, not repaired (which answer the person meant is not in the rows)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from portal.choices import queries
from portal.choices.models import ChoiceAnswer, ChoiceOption, DeskAnswer
from portal.core.db import table_of
from portal.core.integrity import Finding


def check(db: Session, repair: bool) -> list[Finding]:
    options: dict[int, set[int]] = {}
    for option_id, question_id in db.execute(
        select(col(ChoiceOption.id), col(ChoiceOption.question_id))
    ).all():
        options.setdefault(question_id, set()).add(option_id)
    findings = []
    for kind, model in (("answer", ChoiceAnswer), ("desk answer", DeskAnswer)):
        t = table_of(model)
        rows = db.execute(select(t.c.id, t.c.question_id, t.c.ranking).order_by(t.c.id)).all()
        for row_id, question_id, raw in rows:
            ranking = queries.parse_ranking(raw)
            known = options.get(question_id, set())
            if not ranking or len(set(ranking)) != len(ranking) or not set(ranking) <= known:
                problem = f"ranking {raw!r} is not options of question {question_id}, each once"
                findings.append(Finding(f"{kind} {row_id}", problem, repairable=False))
    return findings
