"""Reads of the notifications domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Subquery, bindparam, func, select, true
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import aware
from portal.core.db import table_of
from portal.core.prepared import Prepared
from portal.notifications import content, mailer
from portal.notifications.models import (
    KINDS,
    EmailOutbox,
    Event,
    Notification,
    Preference,
    WorkerHeartbeat,
)

PER_PAGE = 30
FAILED_PER_PAGE = 50


@dataclass
class Item:
    notification: Notification
    event: Event


# Built once and run as a prepared statement: the header shows the count on every page a
# signed-in person sees, and an ORM session and a fresh select cost ten times the query.
_notifications = table_of(Notification)
_UNREAD = Prepared(
    select(func.count())
    .select_from(_notifications)
    .where(_notifications.c.user_id == bindparam("user_id"), _notifications.c.read_at.is_(None))
)


def unread_count(conn: Connection, user_id: int) -> int:
    """How many unread notifications a person has (for the header)."""
    return int(_UNREAD.all(conn, {"user_id": user_id})[0][0])


def latest(db: Session, user_id: int, page: int = 1) -> tuple[list[Item], bool]:
    """A page of a person's notifications with their events, newest first (one query)."""
    rows = db.execute(
        select(Notification, Event)
        .join(Event, col(Event.id) == col(Notification.event_id))
        .where(col(Notification.user_id) == user_id)
        .order_by(col(Notification.id).desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    items = [Item(r[0], r[1]) for r in rows]
    return items[:PER_PAGE], len(items) > PER_PAGE


def modes(db: Session, user_id: int) -> dict[str, str]:
    """A person's email choice per event type (immediate unless they chose otherwise)."""
    chosen = dict(
        db.execute(
            select(col(Preference.kind), col(Preference.mode)).where(
                col(Preference.user_id) == user_id
            )
        ).all()
    )
    return {kind: chosen.get(kind, "immediate") for kind in KINDS}


def messages(db: Session, user_id: int) -> dict[str, bool]:
    """A person's choice per event type of whether it also comes as a chat message (yes
    unless they chose otherwise)."""
    chosen = dict(
        db.execute(
            select(col(Preference.kind), col(Preference.message)).where(
                col(Preference.user_id) == user_id
            )
        ).all()
    )
    return {kind: bool(chosen.get(kind, True)) for kind in KINDS}


def to_message(
    db: Session,
    links: Subquery,
    queued: Callable[[Any, Any], ColumnElement[bool]],
    limit: int,
) -> list[tuple[int, int, Event, User]]:
    """Notifications that their people want as chat messages too and that are not `queued`
    yet: (notification id, link id, event, person). `links` has the columns id, user_id and
    created_at (the messaging domain's links: only what came after a link goes to it);
    `queued(notification id, link id)` is true for those already in its outbox."""
    rows = db.execute(
        select(col(Notification.id), links.c.id, Event, User)
        .join(links, links.c.user_id == col(Notification.user_id))
        .join(Event, col(Event.id) == col(Notification.event_id))
        .join(User, col(User.id) == col(Notification.user_id))
        .outerjoin(
            Preference,
            (col(Preference.user_id) == col(Notification.user_id))
            & (col(Preference.kind) == col(Notification.kind)),
        )
        .where(
            col(Notification.created_at) >= links.c.created_at,
            func.coalesce(col(Preference.message), true()),
            ~queued(col(Notification.id), links.c.id),
        )
        .order_by(col(Notification.id))
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def message_text(db: Session, event: Event, reader: User, base_url: str) -> str:
    """What a chat message about `event` says to `reader`, in their language: the subject
    its email would have, and the link."""
    ctx = content.for_event(db, event, base_url)
    subject, _body = mailer.compose(
        event.kind,
        {**ctx, "user": reader, "name": reader.display_name, "unsubscribe_url": ""},
        reader.locale,
    )
    return f"{subject}\n{ctx['url']}" if ctx.get("url") else subject


def notified_for_decision(db: Session, decision_id: int) -> int:
    """How many people were notified of a decision (0 until the worker has fanned it out)."""
    return db.execute(
        select(func.coalesce(func.sum(col(Event.recipients)), 0)).where(
            col(Event.kind) == "decision", col(Event.decision_id) == decision_id
        )
    ).scalar_one()


def was_notified_of_decision(db: Session, user_id: int, decision_id: int) -> bool:
    """Whether this person was among those notified of the decision."""
    return (
        db.execute(
            select(col(Notification.id))
            .join(Event, col(Event.id) == col(Notification.event_id))
            .where(
                col(Notification.user_id) == user_id,
                col(Event.kind) == "decision",
                col(Event.decision_id) == decision_id,
            )
            .limit(1)
        ).first()
        is not None
    )


@dataclass(frozen=True)
class Outbox:
    waiting: int
    failed: int
    oldest_waiting_at: datetime | None


def outbox(db: Session) -> Outbox:
    """Emails waiting to be sent (including those waiting to be tried again), emails that
    failed for good, and when the oldest waiting one was queued: one statement, answered from
    the (status, created_at) index."""
    rows = db.execute(
        select(col(EmailOutbox.status), func.count(), func.min(col(EmailOutbox.created_at)))
        .where(col(EmailOutbox.status).in_(("pending", "failed")))
        .group_by(col(EmailOutbox.status))
    ).all()
    found = {status: (count, oldest) for status, count, oldest in rows}
    waiting, oldest = found.get("pending", (0, None))
    return Outbox(
        waiting=waiting,
        failed=found.get("failed", (0, None))[0],
        oldest_waiting_at=aware(oldest) if oldest else None,
    )


def worker_last_seen(db: Session) -> datetime | None:
    """When a worker last went round its loop (None: never)."""
    seen = db.execute(select(func.max(col(WorkerHeartbeat.seen_at)))).scalar_one()
    return aware(seen) if seen else None


def kinds(db: Session, notification_ids: set[int]) -> dict[int, str]:
    """The kind of each of the notifications `notification_ids`, in one statement."""
    if not notification_ids:
        return {}
    rows = db.execute(
        select(col(Notification.id), col(Notification.kind)).where(
            col(Notification.id).in_(notification_ids)
        )
    )
    return {row[0]: row[1] for row in rows}


def failed_emails(db: Session, page: int = 1) -> tuple[list[Any], bool]:
    """A page of the emails that failed for good, newest first, without their bodies (staff
    only; the route checks), and whether there is a next page."""
    rows = db.execute(
        select(
            col(EmailOutbox.id),
            col(EmailOutbox.to_addr),
            col(EmailOutbox.subject),
            col(EmailOutbox.last_error),
            col(EmailOutbox.attempts),
            col(EmailOutbox.created_at),
        )
        .where(col(EmailOutbox.status) == "failed")
        .order_by(col(EmailOutbox.created_at).desc(), col(EmailOutbox.id).desc())
        .offset((page - 1) * FAILED_PER_PAGE)
        .limit(FAILED_PER_PAGE + 1)
    ).all()
    return list(rows[:FAILED_PER_PAGE]), len(rows) > FAILED_PER_PAGE
