"""Invitations and the one reminder, written to the outbox (portal.notifications) in the
person's language by the worker's jobs (portal.surveys.jobs).

In an anonymous round each invitee gets a link with 256 random bits, of which only a hash is
kept. The reminder cannot repeat a link nobody kept, so it carries a new one that replaces
the first (the email says so)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.queries import users_by_ids
from portal.core.clock import utcnow
from portal.notifications import services as notifications
from portal.settings import Settings
from portal.surveys import answering, queries
from portal.surveys.models import Invitation, Round, Survey
from portal.web.urls import path_for

# The reminder goes this long before a round closes, to those who have not answered.
REMIND_BEFORE = timedelta(days=3)


def _link(base_url: str, survey_id: int, token: str | None) -> str:
    return base_url + path_for("surveys:form", id=survey_id, query={"link": token})


def _email(
    db: Session,
    *,
    user: User,
    survey: Survey,
    rnd: Round,
    token: str | None,
    template: str,
    settings: Settings,
) -> bool:
    base_url = settings.base_url
    return notifications.queue_notice(
        db,
        key=f"survey:{rnd.id}:{template}:{user.id}:{secrets.token_hex(6)}",
        user=user,
        kind="survey",
        template=template,
        context={
            "survey": survey,
            "closes_at": rnd.closes_at - timedelta(seconds=1),
            "anonymous": rnd.anonymous,
            "url": _link(base_url, survey.id, token),
        },
        base_url=base_url,
        secret=settings.secret_key,
    )


def _token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, answering.token_hash(token)


def invite(db: Session, rnd: Round, settings: Settings) -> int:
    """Invite the round's audience (once: the round records it), in one transaction."""
    survey = queries.get(db, rnd.survey_id)
    assert survey is not None
    people = queries.audience_select(db, rnd).subquery()
    ids = set(db.execute(select(people.c[0])).scalars())
    ids -= set(
        db.execute(
            select(col(Invitation.user_id)).where(col(Invitation.round_id) == rnd.id)
        ).scalars()
    )
    for user in sorted(users_by_ids(db, ids).values(), key=lambda u: u.id or 0):
        token, digest = _token() if rnd.anonymous else (None, None)
        db.add(Invitation(round_id=rnd.id, user_id=user.id, token_hash=digest))
        _email(
            db,
            user=user,
            survey=survey,
            rnd=rnd,
            token=token,
            template="survey_invitation",
            settings=settings,
        )
    rnd.invited_at = utcnow()
    db.add(rnd)
    return len(ids)


def remind(db: Session, settings: Settings) -> int:
    """Remind once, shortly before the close, each invitee who has not answered (sending
    marks the invitation used, and `due_reminders` reads only unused ones)."""
    due = queries.due_reminders(db, REMIND_BEFORE)
    people = users_by_ids(db, {inv.user_id for inv in due if inv.user_id})
    for inv in due:
        rnd = queries.get_round(db, inv.round_id)
        survey = queries.get(db, rnd.survey_id) if rnd else None
        user = people.get(inv.user_id or 0)
        inv.reminded_at = utcnow()
        token = None
        if rnd is not None and rnd.anonymous:
            token, inv.token_hash = _token()
        db.add(inv)
        if rnd is None or survey is None or user is None:
            continue
        _email(
            db,
            user=user,
            survey=survey,
            rnd=rnd,
            token=token,
            template="survey_reminder",
            settings=settings,
        )
    return len(due)
