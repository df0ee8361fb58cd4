"""Writes of the notifications domain that requests make: record an event (in the caller's
transaction), read notifications, choose preferences, unsubscribe, and (staff) send failed
emails again."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, update
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.moderation import audit
from portal.notifications import mailer, permissions
from portal.notifications import unsubscribe as unsubscribe_links
from portal.notifications.models import (
    KINDS,
    MODES,
    EmailOutbox,
    Event,
    Notification,
    Preference,
    kinds_for,
)


def emit(
    db: Session,
    kind: str,
    *,
    actor_id: int | None = None,
    idea_id: int | None = None,
    comment_id: int | None = None,
    decision_id: int | None = None,
    workshop_id: int | None = None,
    user_id: int | None = None,
    detail: str = "",
) -> Event:
    """Record that something happened, in the same transaction as the thing itself. The worker
    turns it into notifications and emails; if the transaction rolls back, so does the event."""
    assert kind in KINDS, kind
    event = Event(
        kind=kind,
        actor_id=actor_id,
        idea_id=idea_id,
        comment_id=comment_id,
        decision_id=decision_id,
        workshop_id=workshop_id,
        user_id=user_id,
        detail=detail[:200],
    )
    db.add(event)
    db.flush()
    return event


def queue_email(
    db: Session,
    *,
    key: str,
    user_id: int | None,
    to: str,
    template: str,
    context: dict,
    locale: str | None,
    kind: str = mailer.ACCOUNT,
) -> None:
    """Queue one email about a person's own account (a confirmation link, a password reset,
    a notice of a change), in the caller's transaction, composed now in `locale`. The worker
    sends it like any other; these are not notifications, so they carry no unsubscribe link
    and no setting turns them off. `key` must be unique to this email. `kind` AUTO_REPLY
    marks an answer to a message someone sent the portal (portal.inbound)."""
    assert kind in (mailer.ACCOUNT, mailer.AUTO_REPLY), kind
    subject, body = mailer.compose(template, context, locale)
    db.add(
        EmailOutbox(
            idempotency_key=key[:120],
            user_id=user_id,
            to_addr=to,
            subject=subject,
            body=body,
            kind=kind,
        )
    )


def queue_notice(
    db: Session,
    *,
    key: str,
    user: User,
    kind: str,
    template: str,
    context: dict,
    base_url: str,
    secret: str,
) -> bool:
    """Queue one email of a notification kind written for one person alone (a survey
    invitation with its own link), in the caller's transaction, composed now in their
    language with its unsubscribe link. Not to a person who turned this kind off (a digest
    is no use for a dated invitation: it comes at once), who is blocked or has not confirmed
    the address. True when queued; `key` must be unique to this email."""
    assert kind in KINDS, kind
    mode = db.execute(
        select(col(Preference.mode)).where(
            col(Preference.user_id) == user.id, col(Preference.kind) == kind
        )
    ).scalar_one_or_none()
    if mode == "off" or user.id is None or user.blocked_at is not None:
        return False
    if user.email_confirmed_at is None:
        return False
    link = unsubscribe_links.url(base_url, secret, user.id, kind)
    ctx = {"name": user.display_name, "unsubscribe_url": link, **context}
    subject, body = mailer.compose(template, ctx, user.locale)
    db.add(
        EmailOutbox(
            idempotency_key=key[:120],
            user_id=user.id,
            to_addr=user.email,
            subject=subject,
            body=body,
            kind=kind,
        )
    )
    return True


def mark_read(*, db: Session, actor: User, notification_id: int) -> None:
    """Mark one of one's own notifications read."""
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != actor.id:
        raise NotFound()
    if note.read_at is None:
        note.read_at = utcnow()
        db.add(note)


def mark_all_read(*, db: Session, actor: User) -> int:
    """Mark all of one's notifications read; returns how many were unread."""
    result = db.exec(
        update(Notification)
        .where(col(Notification.user_id) == actor.id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
    )
    return int(result.rowcount)


def set_mode(db: Session, user_id: int, kind: str, mode: str, message: bool | None = None) -> None:
    """One person's email choice for one kind (and, unless None, whether it also comes as a
    chat message)."""
    row = db.execute(
        select(Preference).where(col(Preference.user_id) == user_id, col(Preference.kind) == kind)
    ).scalar_one_or_none()
    if row is None:
        row = Preference(user_id=user_id, kind=kind, mode=mode)
    row.mode = mode
    if message is not None:
        row.message = message
    db.add(row)


def save_preferences(
    *,
    db: Session,
    actor: User,
    modes: dict[str, str],
    messages: dict[str, bool] | None = None,
) -> None:
    """Choose, per event type, immediate email, a daily digest, or no email; and whether it
    also comes as a chat message (to a linked chat app; left as it was when not given)."""
    kinds = kinds_for(actor.is_staff)
    errors = {
        f"mode-{k}": _("Choose how to hear about this.") for k in kinds if modes.get(k) not in MODES
    }
    if errors:
        raise ValidationError(errors)
    for kind in kinds:
        set_mode(db, actor.id, kind, modes[kind], None if messages is None else messages[kind])


def unsubscribe(*, db: Session, user_id: int, kind: str) -> None:
    """Stop email of one kind for one person (from a signed link; no sign-in needed)."""
    if kind not in KINDS or db.get(User, user_id) is None:
        raise NotFound()
    set_mode(db, user_id, kind, "off")


def _retry(db: Session, *conditions: ColumnElement[bool]) -> int:
    """Failed emails back in the queue, as if new: due now, with every attempt again."""
    result = db.exec(
        update(EmailOutbox)
        .where(col(EmailOutbox.status) == "failed", *conditions)
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        )
    )
    return int(result.rowcount)


def retry_email(*, db: Session, actor: User, email_id: int) -> bool:
    """Staff: send one failed email again (the worker takes it on its next round). False when
    it is not failed (any more): sent, or already back in the queue."""
    if not permissions.can_retry_emails(actor):
        raise Forbidden()
    row = db.get(EmailOutbox, email_id)
    if row is None:
        raise NotFound()
    if not _retry(db, col(EmailOutbox.id) == email_id):
        return False
    audit.record(
        db,
        actor,
        "retry_email",
        "email",
        email_id,
        {"status": "failed", "error": row.last_error},
        {"status": "pending"},
    )
    return True


def retry_failed_emails(*, db: Session, actor: User) -> int:
    """Staff: send every failed email again; returns how many."""
    if not permissions.can_retry_emails(actor):
        raise Forbidden()
    count = _retry(db)
    if count:
        audit.record(db, actor, "retry_emails", "email", None, None, {"count": count})
    return count
