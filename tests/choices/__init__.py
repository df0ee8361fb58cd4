"""Tests of questions ("pick one", "rank them"), and the builders they share: asking and
answering through the real services, moving a question's dates, counting what was stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from portal.choices import queries, services
from portal.choices.models import (
    ChoiceAnswer,
    ChoiceEvidence,
    ChoiceOption,
    ChoiceQuestion,
    DeskAnswer,
)
from portal.core import db
from portal.core.clock import utcnow
from tests.factories import count

LAYOUTS = ("Quiet rows", "Group tables", "Booths")


def form(kind: str = "rank", options: tuple[str, ...] = LAYOUTS, **fields: str) -> dict[str, str]:
    """A complete, valid form for a question open from today for a week; `fields` override."""
    today = utcnow().date()
    values = {
        "text": "Which layout for the group-study floor?",
        "text_zh": "小组学习楼层用哪种布局?",
        "kind": kind,
        "opens": today.isoformat(),
        "closes": (today + timedelta(days=7)).isoformat(),
    }
    values.update({f"option_{n}": text for n, text in enumerate(options, start=1)})
    values.update(fields)
    return values


def ask(
    engine: Any,
    staff: Any,
    *,
    idea_id: int | None = None,
    workshop_id: int | None = None,
    kind: str = "rank",
    **fields: str,
) -> ChoiceQuestion:
    with db.write(engine) as s:
        return services.ask(
            db=s, actor=staff, form=form(kind, **fields), idea_id=idea_id, workshop_id=workshop_id
        )


def options(engine: Any, question_id: int) -> list[int]:
    """The question's option ids in their order."""
    with db.read(engine) as s:
        return [o.id for o in queries.options_of(s, [question_id])[question_id]]


def answer(engine: Any, actor: Any, question_id: int, **form: str) -> tuple[int, ...]:
    with db.write(engine) as s:
        return services.answer(db=s, actor=actor, question_id=question_id, form=form)


def ranks(option_ids: list[int], *places: int | None) -> dict[str, str]:
    """A ranking form: the n-th option gets places[n] (None: unranked)."""
    return {
        f"rank-{o}": "" if p is None else str(p) for o, p in zip(option_ids, places, strict=False)
    }


def close(engine: Any, question_id: int) -> None:
    """Move a question's closing into the past (and its opening before that)."""
    past = utcnow() - timedelta(days=1)
    with db.write(engine) as s:
        s.execute(
            update(ChoiceQuestion)
            .where(ChoiceQuestion.id == question_id)  # type: ignore[arg-type]
            .values(opens_at=past - timedelta(days=7), closes_at=past)
        )


def stored(engine: Any) -> dict[str, int]:
    """How many rows the choices hold, table by table."""
    return {
        m.__tablename__: count(engine, m)  # type: ignore[attr-defined]
        for m in (ChoiceQuestion, ChoiceOption, ChoiceAnswer, DeskAnswer, ChoiceEvidence)
    }
