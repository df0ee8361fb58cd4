"""Writes of the moderation domain: flag, hide, restore, dismiss, block, unblock."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.ideas.models import Idea
from portal.moderation import audit
from portal.moderation.models import TARGETS, Flag

REASON_MAX = 500


def _target(db: Session, target_type: str, target_id: int, lock: bool = False) -> Idea | Comment:
    model = {"idea": Idea, "comment": Comment}.get(target_type)
    ok = model and 0 < target_id < 2**31
    row = db.get(model, target_id, with_for_update=lock) if ok else None
    if row is None or (isinstance(row, Comment) and row.deleted_at is not None):
        raise NotFound()
    return row


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
    if actor.blocked_at is not None:
        raise Forbidden()
    if target_type not in TARGETS:
        raise NotFound()
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
            Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None)
        )
        .values(resolved_at=utcnow(), resolution=resolution)
    )


def hide(*, db: Session, actor: User, target_type: str, target_id: int, reason: str) -> None:
    """Staff hide content: its author sees why; everyone else sees a placeholder."""
    if not actor.is_staff:
        raise Forbidden()
    row = _target(db, target_type, target_id, lock=True)
    reason = _reason(reason)
    counted = isinstance(row, Comment) and comments.counts(row)
    before = {"hidden_at": row.hidden_at, "hidden_reason": row.hidden_reason}
    row.hidden_at, row.hidden_reason = utcnow(), reason
    db.add(row)
    if isinstance(row, Comment):
        comments.recount_change(db=db, comment=row, counted_before=counted)
    _resolve(db, target_type, target_id, "hidden")
    audit.record(db, actor, "hide", target_type, target_id, before, {"hidden_reason": reason})


def restore(*, db: Session, actor: User, target_type: str, target_id: int) -> None:
    """Staff show hidden content again."""
    if not actor.is_staff:
        raise Forbidden()
    row = _target(db, target_type, target_id, lock=True)
    counted = isinstance(row, Comment) and comments.counts(row)
    before = {"hidden_at": row.hidden_at, "hidden_reason": row.hidden_reason}
    row.hidden_at, row.hidden_reason = None, ""
    db.add(row)
    if isinstance(row, Comment):
        comments.recount_change(db=db, comment=row, counted_before=counted)
    audit.record(db, actor, "restore", target_type, target_id, before, {"hidden_at": None})


def dismiss(*, db: Session, actor: User, target_type: str, target_id: int) -> None:
    """Staff decide the reports about something need no action."""
    if not actor.is_staff:
        raise Forbidden()
    _target(db, target_type, target_id)
    _resolve(db, target_type, target_id, "dismissed")
    audit.record(db, actor, "dismiss_flags", target_type, target_id)


def set_blocked(*, db: Session, actor: User, user_id: int, blocked: bool, reason: str = "") -> User:
    """Block or unblock a person. A blocked person cannot sign in, post, vote or register,
    and their sessions end at once. Staff block patrons and committee members; only admins
    block staff; nobody blocks an admin or themselves."""
    if not actor.is_staff:
        raise Forbidden()
    person = db.get(User, user_id) if 0 < user_id < 2**31 else None
    if person is None:
        raise NotFound()
    if person.id == actor.id or person.is_admin or (person.is_staff and not actor.is_admin):
        raise Forbidden()
    before = {"blocked_at": person.blocked_at}
    if blocked:
        reason = _reason(reason)
        person.blocked_at = person.blocked_at or utcnow()
        accounts.end_all_sessions(db=db, user_id=person.id)
    else:
        person.blocked_at = None
    db.add(person)
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
        select(Flag.target_type, Flag.target_id).where(Flag.resolved_at.is_(None)).order_by(Flag.id)
    ).all()
    return list(dict.fromkeys((t, i) for t, i in rows))
