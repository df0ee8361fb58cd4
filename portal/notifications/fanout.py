"""Fan-out: turn one event into a notification per recipient, in SQL.

Recipients are chosen by one INSERT ... SELECT, so an idea with 10,000 followers costs one
statement, not 10,000 round trips; the unique (user, event) key makes a repeated fan-out
after a crash harmless. Each row also records how the person wants email for this kind of
event: 'send' now, 'digest' later, or 'none'.
"""

from __future__ import annotations

from sqlalchemy import CompoundSelect, Select, case, func, literal, select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.comments import queries as comments_q
from portal.core.clock import utcnow
from portal.decisions import queries as decisions_q
from portal.notifications.models import Event, Notification, Preference
from portal.votes import queries as votes_q
from portal.workshops import queries as workshops_q


def _decision_idea_ids(db: Session, decision_id: int) -> list[int]:
    return decisions_q.idea_ids(db, decision_id)


def recipients(db: Session, event: Event) -> Select | None:
    """A SELECT of the user ids an event concerns (the actor excluded)."""
    people: Select | CompoundSelect
    if event.kind in ("comment", "status") and event.idea_id:
        people = votes_q.followers_select([event.idea_id])
    elif event.kind == "decision" and event.decision_id:
        ideas = _decision_idea_ids(db, event.decision_id)
        parts = [
            votes_q.followers_select(ideas),
            votes_q.voters_select(ideas),
            comments_q.commenters_select(ideas),
        ]
        extra = _extra_decision_people(db, event.decision_id)
        if extra is not None:
            parts.append(extra)
        people = union(*parts)
    elif event.kind == "outputs" and event.comment_id and event.workshop_id:
        # A comment on what a session produced: whoever had a place, and whoever commented.
        people = union(
            workshops_q.registrants_select([event.workshop_id]),
            comments_q.session_commenters_select(event.workshop_id),
        )
    elif event.user_id:
        people = select(literal(event.user_id))
    else:
        return None
    ids = people.subquery()
    return select(ids.c[0].label("user_id")).where(
        ids.c[0].is_not(None), ids.c[0] != (event.actor_id or 0)
    )


def _extra_decision_people(db: Session, decision_id: int) -> Select | None:
    """People who attended the design sessions a decision drew on."""
    workshop_ids = decisions_q.workshop_ids(db, decision_id)
    return workshops_q.attendees_select(workshop_ids) if workshop_ids else None


def fan_out(db: Session, event: Event) -> int:
    """Write the notifications of one event; returns how many people it reached."""
    people = recipients(db, event)
    count = 0
    if people is not None:
        p = people.subquery()
        mode = func.coalesce(col(Preference.mode), "immediate")
        rows = (
            select(
                p.c.user_id,
                literal(event.id),
                literal(event.kind),
                literal(utcnow()),
                # No email to an address not confirmed yet: only its confirmation link goes there.
                case(
                    (col(User.email_confirmed_at).is_(None), "none"),
                    (mode == "immediate", "send"),
                    (mode == "digest", "digest"),
                    else_="none",
                ),
            )
            .select_from(p)
            .join(User, col(User.id) == p.c.user_id)
            .outerjoin(
                Preference,
                (col(Preference.user_id) == p.c.user_id) & (col(Preference.kind) == event.kind),
            )
            .where(col(User.blocked_at).is_(None))
        )
        insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
        stmt = (
            insert(Notification)
            .from_select(["user_id", "event_id", "kind", "created_at", "email_state"], rows)
            .on_conflict_do_nothing()
        )
        db.execute(stmt)
        count = db.execute(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.event_id) == event.id)
        ).scalar_one()
    event.fanned_out_at = utcnow()
    event.recipients = count
    db.add(event)
    return count
