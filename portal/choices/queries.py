"""Reads of the choices domain: questions, their options, a person's answer, the ballots and
their results, and the questions a decision cites. A page with several questions reads them
in a fixed number of queries, whatever the number of questions and answers."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.choices import tally
from portal.choices.models import (
    ChoiceAnswer,
    ChoiceEvidence,
    ChoiceOption,
    ChoiceQuestion,
    DeskAnswer,
)


def parse_ranking(raw: str) -> tuple[int, ...]:
    """A stored ranking ("3,1,2") as option ids; nothing for text that is not one."""
    try:
        return tuple(int(part) for part in raw.split(",") if part)
    except ValueError:
        return ()


@dataclass
class Results:
    """A question's results: the answers given online and those recorded at the desk, each
    counted on its own, and all of them together (what decides)."""

    options: list[ChoiceOption]
    online: list[tally.Ballot]
    desk: list[tally.Ballot]
    online_n: int = 0
    desk_n: int = 0
    firsts: dict[str, dict[int, int]] = field(default_factory=dict)
    borda: dict[str, dict[int, int]] = field(default_factory=dict)
    runoff: tally.Runoff | None = None

    @property
    def total_n(self) -> int:
        return self.online_n + self.desk_n

    def share(self, option_id: int) -> float:
        """The option's share of all first choices (0 when nobody answered)."""
        total = self.total_n
        return self.firsts["total"][option_id] / total if total else 0.0

    def leaders(self) -> list[int]:
        """The options with the most first choices ("pick one"): one, or several tied."""
        if not self.total_n:
            return []
        top = max(self.firsts["total"].values())
        return [o.id for o in self.options if self.firsts["total"][o.id] == top]


def results(question: ChoiceQuestion, options: list[ChoiceOption], ballots: tuple) -> Results:
    """Count `ballots` (online, desk) of a question with `options`."""
    online, desk = ballots
    ids = [o.id for o in options]
    found = Results(options, online, desk)
    found.online_n = sum(w for _r, w in online)
    found.desk_n = sum(w for _r, w in desk)
    for name, group in (("online", online), ("desk", desk), ("total", [*online, *desk])):
        found.firsts[name] = tally.plurality(ids, group)
        if question.kind == "rank":
            found.borda[name] = tally.borda(ids, group)
    if question.kind == "rank":
        found.runoff = tally.instant_runoff(ids, [*online, *desk])
    return found


def get(db: Session, question_id: int) -> ChoiceQuestion | None:
    """One question by id (the route asks whether its idea or session may be seen)."""
    return db.get(ChoiceQuestion, question_id)


def option(db: Session, option_id: int) -> ChoiceOption | None:
    """One option by id (media attaches pictures to it)."""
    return db.get(ChoiceOption, option_id)


def on_idea(db: Session, idea_id: int) -> list[ChoiceQuestion]:
    """An idea's questions, oldest first."""
    stmt = select(ChoiceQuestion).where(col(ChoiceQuestion.idea_id) == idea_id)
    return list(db.execute(stmt.order_by(col(ChoiceQuestion.id))).scalars())


def on_workshop(db: Session, workshop_id: int) -> list[ChoiceQuestion]:
    """A design session's questions, oldest first."""
    stmt = select(ChoiceQuestion).where(col(ChoiceQuestion.workshop_id) == workshop_id)
    return list(db.execute(stmt.order_by(col(ChoiceQuestion.id))).scalars())


def options_of(db: Session, question_ids: Sequence[int]) -> dict[int, list[ChoiceOption]]:
    """Each question's options in their order, in one query."""
    found: dict[int, list[ChoiceOption]] = {i: [] for i in question_ids}
    if question_ids:
        rows = db.execute(
            select(ChoiceOption)
            .where(col(ChoiceOption.question_id).in_(question_ids))
            .order_by(col(ChoiceOption.question_id), col(ChoiceOption.position))
        ).scalars()
        for option in rows:
            found[option.question_id].append(option)
    return found


def ballots_of(db: Session, question_ids: Sequence[int]) -> dict[int, tuple[list, list]]:
    """Each question's ballots (online, desk) as (ranking, weight), in two queries: the
    database groups identical rankings, so the rows read are at most the distinct rankings."""
    online: dict[int, list[tally.Ballot]] = defaultdict(list)
    desk: dict[int, list[tally.Ballot]] = defaultdict(list)
    if question_ids:
        q, r = col(ChoiceAnswer.question_id), col(ChoiceAnswer.ranking)
        for qid, ranking, n in db.execute(
            select(q, r, func.count()).where(q.in_(question_ids)).group_by(q, r).order_by(q, r)
        ).all():
            online[qid].append((parse_ranking(ranking), n))
        dq, dr = col(DeskAnswer.question_id), col(DeskAnswer.ranking)
        for qid, ranking, n in db.execute(
            select(dq, dr, func.sum(col(DeskAnswer.count)))
            .where(dq.in_(question_ids))
            .group_by(dq, dr)
            .order_by(dq, dr)
        ).all():
            desk[qid].append((parse_ranking(ranking), int(n)))
    return {i: (online[i], desk[i]) for i in question_ids}


def answers_of(db: Session, question_ids: Sequence[int], user_id: int | None) -> dict[int, str]:
    """The person's stored ranking for each question they answered, in one query."""
    if user_id is None or not question_ids:
        return {}
    rows = db.execute(
        select(col(ChoiceAnswer.question_id), col(ChoiceAnswer.ranking)).where(
            col(ChoiceAnswer.question_id).in_(question_ids),
            col(ChoiceAnswer.user_id) == user_id,
        )
    ).all()
    return {qid: ranking for qid, ranking in rows}


def desk_entries(db: Session, question_id: int) -> list[DeskAnswer]:
    """The desk answers staff recorded on a question, oldest first."""
    stmt = select(DeskAnswer).where(col(DeskAnswer.question_id) == question_id)
    return list(db.execute(stmt.order_by(col(DeskAnswer.id))).scalars())


def decision_ids(db: Session, question_id: int) -> list[int]:
    """The decisions citing a question."""
    stmt = select(col(ChoiceEvidence.decision_id)).where(
        col(ChoiceEvidence.question_id) == question_id
    )
    return list(db.execute(stmt.order_by(col(ChoiceEvidence.decision_id))).scalars())


def cited_by(db: Session, decision_id: int) -> list[ChoiceQuestion]:
    """The questions a decision cites as its evidence."""
    return list(
        db.execute(
            select(ChoiceQuestion)
            .join(ChoiceEvidence, col(ChoiceEvidence.question_id) == col(ChoiceQuestion.id))
            .where(col(ChoiceEvidence.decision_id) == decision_id)
            .order_by(col(ChoiceQuestion.id))
        ).scalars()
    )
