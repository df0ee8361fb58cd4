"""Tests of decisions ("You said, we did"), and the builders that the notification, staff and
assessment tests share: publishing through the real service, and counting what was stored."""

from __future__ import annotations

from typing import Any

from portal.core import db
from portal.decisions import services
from portal.decisions.models import Decision, DecisionIdea, FollowUp
from portal.ideas.models import StatusChange
from portal.notifications.models import Event
from tests.factories import count

YOU_SAID = "Please stay open later in exam weeks."
WE_DID = "From May the library is open until 22:00 on weekdays."


def form(
    idea_ids: tuple[int, ...] | list[int] = (), outcome: str = "adopted", **fields: str
) -> dict:
    """A complete, valid publishing form; `fields` override or add to it."""
    values = {
        "title": "Longer opening hours",
        "you_said": YOU_SAID,
        "we_did": WE_DID,
        "outcome": outcome,
        "ideas": ", ".join(str(i) for i in idea_ids),
        "move_status": "1",
    }
    if outcome in ("declined", "deferred"):
        values["reason"] = "The building has no staff in the evening."
    if outcome == "piloting":
        values.update(pilot_start="2030-01-06", pilot_end="2030-03-31", review_date="2030-04-15")
    values.update(fields)
    return values


def publish(
    engine: Any,
    actor: Any,
    idea_ids: tuple[int, ...] | list[int] = (),
    outcome: str = "adopted",
    teams: tuple[int, ...] | list[int] = (),
    **fields: str,
) -> Decision:
    """Publish a decision through the service, as staff would, naming `teams` (ids)."""
    with db.write(engine) as s:
        return services.publish(
            db=s, actor=actor, form=form(idea_ids, outcome, **fields), teams=map(str, teams)
        )


def stored(engine: Any) -> dict[str, int]:
    """How many rows the decisions feature has written, table by table."""
    return {
        "decision": count(engine, Decision),
        "decision_idea": count(engine, DecisionIdea),
        "event": count(engine, Event),
        "status_change": count(engine, StatusChange),
        "follow_up": count(engine, FollowUp),
    }
