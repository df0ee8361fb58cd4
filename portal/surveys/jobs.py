"""The worker's jobs for surveys: invite the audience of each round that has opened, and
remind, once, those who have not answered shortly before it closes."""

from __future__ import annotations

from typing import Any

from portal.core import db, jobs
from portal.surveys import invitations, queries


@jobs.register
def invite_opened_rounds(worker: Any) -> int:
    done = 0
    with db.write(worker.engine, shown=False) as s:
        for rnd in queries.rounds_to_invite(s):
            invitations.invite(s, rnd, worker.settings)
            done += 1
    return done


@jobs.register
def send_survey_reminders(worker: Any) -> int:
    with db.write(worker.engine, shown=False) as s:
        return invitations.remind(s, worker.settings)
