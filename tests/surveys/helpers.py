"""Building blocks for the surveys tests: an instrument from a starting template, and a round
open now."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal.core import db
from portal.core.clock import utcnow
from portal.surveys import queries, services
from portal.surveys.models import Round


def survey(engine: Any, staff: Any, starter: str = "service") -> Any:
    with db.write(engine) as s:
        return services.create_from_starter(db=s, actor=staff, starter=starter)


def open_round(engine: Any, staff: Any, survey_id: int, **form: str) -> Round:
    """A round open from today for a week (for everyone, unless `form` says otherwise)."""
    today = utcnow().date()
    values = {
        "opens": today.isoformat(),
        "closes": (today + timedelta(days=7)).isoformat(),
        "audience": "everyone",
        **form,
    }
    with db.write(engine) as s:
        return services.add_round(db=s, actor=staff, survey_id=survey_id, form=values)


def structure(engine: Any, survey_id: int) -> queries.Structure:
    with db.read(engine) as s:
        found = queries.get(s, survey_id)
        assert found is not None
        return queries.structure(s, found)


def full_answers(engine: Any, survey_id: int, value: str = "4") -> dict[str, str]:
    """A complete form: every item rated `value` in every column."""
    shape = structure(engine, survey_id)
    columns = ("minimum", "desired", "perceived") if shape.survey.scale == "three" else ("rating",)
    return {f"r-{i.id}-{c}": value for i in shape.all_items for c in columns}


def round_of(engine: Any, round_id: int) -> Round:
    with db.read(engine) as s:
        return s.execute(select(Round).where(Round.id == round_id)).scalar_one()
