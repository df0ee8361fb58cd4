"""The demo's pilot: the demo's piloting decision gets a cohort (through the pilots' services),
and, when the demo's survey rounds are given, is measured by them."""

from __future__ import annotations

from sqlmodel import Session

from portal.accounts.models import User
from portal.decisions import queries as decisions_q
from portal.pilots import services as pilots
from portal.pilots.models import Pilot


def seed_pilot(
    s: Session,
    staff: User,
    cohort: list[User],
    *,
    size: int = 20,
    baseline_round_id: int | None = None,
    followup_round_id: int | None = None,
) -> Pilot | None:
    """Give the demo's (newest) piloting decision a pilot of `size` places joined by
    `cohort`, measured by the given rounds; None when the demo has no piloting decision."""
    piloting, _more = decisions_q.listing(s, "piloting")
    if not piloting:
        return None
    decision = piloting[0]
    pilot = pilots.set_up(db=s, actor=staff, decision_id=decision.id, size=size)
    for person in cohort[:size]:
        pilots.join(db=s, actor=person, pilot_id=pilot.id)
    if baseline_round_id or followup_round_id:
        pilots.use_rounds(
            db=s,
            actor=staff,
            pilot_id=pilot.id,
            baseline_round_id=baseline_round_id,
            followup_round_id=followup_round_id,
        )
    return pilot
