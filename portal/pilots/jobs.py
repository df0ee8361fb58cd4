"""The worker's job for pilots: schedule each pilot's baseline and follow-up survey rounds
(the surveys' own job then invites the cohort as each opens)."""

from __future__ import annotations

from typing import Any

from portal.core import db, jobs
from portal.pilots import services


@jobs.register
def schedule_pilot_rounds(worker: Any) -> int:
    with db.write(worker.engine, shown=False) as s:
        done = services.schedule_rounds(s)
    if done:
        db.bump_version(worker.engine)
    return done
