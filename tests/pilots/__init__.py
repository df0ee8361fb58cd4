"""Tests of pilots, and their builders: a piloting decision whose pilot starts in
`START_IN` days and is reviewed `REVIEW_IN` days from today, and its pilot set up by staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal.core import db
from portal.core.clock import utcnow
from portal.decisions.models import Decision
from portal.pilots import services
from portal.pilots.models import Pilot, PilotMember
from tests.decisions import publish
from tests.factories import count

START_IN = 10
REVIEW_IN = 60


def piloting(engine: Any, staff: Any, idea_ids: list[int] | tuple[int, ...] = ()) -> Decision:
    """A piloting decision starting in START_IN days, reviewed in REVIEW_IN days."""
    today = utcnow().date()
    return publish(
        engine,
        staff,
        idea_ids,
        "piloting",
        title="Quiet study room",
        pilot_start=(today + timedelta(days=START_IN)).isoformat(),
        pilot_end=(today + timedelta(days=REVIEW_IN - 5)).isoformat(),
        review_date=(today + timedelta(days=REVIEW_IN)).isoformat(),
    )


def pilot(
    engine: Any, staff: Any, decision_id: int, size: int = 5, survey_id: int | None = None
) -> Pilot:
    with db.write(engine) as s:
        return services.set_up(
            db=s, actor=staff, decision_id=decision_id, size=size, survey_id=survey_id or ""
        )


def join(engine: Any, user: Any, pilot_id: int) -> None:
    with db.write(engine) as s:
        services.join(db=s, actor=user, pilot_id=pilot_id)


def stored(engine: Any) -> dict[str, int]:
    """How many rows pilots have written, table by table."""
    return {"pilot": count(engine, Pilot), "pilot_member": count(engine, PilotMember)}
