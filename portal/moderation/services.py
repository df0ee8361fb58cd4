"""Writes of the moderation domain: flag, hide, restore, dismiss, block, unblock.

Moderation decides and keeps the record (reports, the audit log); the ideas, comments and
accounts domains change their own rows when asked (hide, unhide, set_blocked)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts import queries as accounts_q
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.comments import queries as comments_q
from portal.comments import services as comments
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.moderation import audit, permissions
from portal.moderation.models import TARGETS, Flag

REASON_MAX = 500


def _target(db: Session, target_type: str, target_id: int) -> None:
    """NotFound unless the target exists: an idea, or a comment that is not deleted."""
    ok = target_type in TARGETS and 0 < target_id < 2**31
    if target_type == "idea" and ok:
        found = ideas_q.get(db, target_id) is not None
    elif target_type == "comment" and ok:
        comment = comments_q.get(db, target_id)
        found = comment is not None and comment.deleted_at is None
    else:
        found = False
    if not found:
        raise NotFound()


def _reason(reason: str, field: str = "reason") -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({field: _("Say briefly what is wrong.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({field: _("Use at most %(n)s characters here.", n=REASON_MAX)})
    if "\x00" in reason:
        raise ValidationError({field: _("Remove the invisible control characters from your text.")})
    return reason


def flag(*, db: Session, actor: User, target_type: str, target_id: int, reason: str) -> bool:
    """Anyone signed in reports an idea or comment. Reporting the same thing twice is a
    no-op. Returns True when a new report was made."""
    if not permissions.can_flag(actor):
        raise Forbidden()
    _target(db, target_type, target_id)
    reason = _reason(reason)
    try:
        with db.begin_nested():
            db.add(
                Flag(target_type=target_type, target_id=target_id, user_id=actor.id, reason=reason)
            )
        return True
    except IntegrityError:
        return False


def _resolve(db: Session, target_type: str, target_id: int, resolution: str) -> None:
    db.execute(
        update(Flag)
        .where(
            col(Flag.target_type) == target_type,
            col(Flag.target_id) == target_id,
            col(Flag.resolved_at).is_(None),
        )
        .values(resolved_at=utcnow(), resolution=resolution)
    )


def hide(*, db: Session, actor: User, target_type: str, target_id: int, reason: str) -> None:
    """Staff hide content: its author sees why; everyone else sees a placeholder."""
    if not permissions.can_moderate(actor):
        raise Forbidden()
    _target(db, target_type, target_id)
    reason = _reason(reason)
    if target_type == "idea":
        before = ideas.hide(db=db, idea_id=target_id, reason=reason)
    else:
        before = comments.hide(db=db, comment_id=target_id, reason=reason)
    _resolve(db, target_type, target_id, "hidden")
    audit.record(db, actor, "hide", target_type, target_id, before, {"hidden_reason": reason})


def restore(*, db: Session, actor: User, target_type: str, target_id: int) -> None:
    """Staff show hidden content again."""
    if not permissions.can_moderate(actor):
        raise Forbidden()
    _target(db, target_type, target_id)
    if target_type == "idea":
        before = ideas.unhide(db=db, idea_id=target_id)
    else:
        before = comments.unhide(db=db, comment_id=target_id)
    audit.record(db, actor, "restore", target_type, target_id, before, {"hidden_at": None})


def dismiss(*, db: Session, actor: User, target_type: str, target_id: int) -> None:
    """Staff decide the reports about something need no action."""
    if not permissions.can_moderate(actor):
        raise Forbidden()
    _target(db, target_type, target_id)
    _resolve(db, target_type, target_id, "dismissed")
    audit.record(db, actor, "dismiss_flags", target_type, target_id)


def set_blocked(*, db: Session, actor: User, user_id: int, blocked: bool, reason: str = "") -> User:
    """Block or unblock a person. A blocked person cannot sign in, post, vote or register,
    and their sessions end at once. Staff block patrons and committee members; only admins
    block staff; nobody blocks an admin or themselves."""
    if not permissions.can_moderate(actor):
        raise Forbidden()
    person = accounts_q.user_by_id(db, user_id) if 0 < user_id < 2**31 else None
    if person is None:
        raise NotFound()
    if not permissions.can_block(actor, person):
        raise Forbidden()
    before = {"blocked_at": person.blocked_at}
    if blocked:
        reason = _reason(reason)
    person = accounts.set_blocked(db=db, user_id=person.id, blocked=blocked)
    audit.record(
        db,
        actor,
        "block" if blocked else "unblock",
        "user",
        person.id,
        before,
        {"blocked_at": person.blocked_at, "reason": reason},
    )
    return person


def open_flag_targets(db: Session) -> list[tuple[str, int]]:
    """(type, id) of everything with unresolved reports, oldest report first."""
    rows = db.execute(
        select(col(Flag.target_type), col(Flag.target_id))
        .where(col(Flag.resolved_at).is_(None))
        .order_by(col(Flag.id))
    ).all()
    return list(dict.fromkeys((t, i) for t, i in rows))
