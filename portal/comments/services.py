"""Writes of the comments domain: comment, reply, edit, delete, mark the official answer, hide
and show again (as the moderators decide: portal.moderation).

A comment on what a design session produced (`add_on_session`) follows the same rules for
editing, deleting and moderation; it has no replies, no official answer and no count.

An idea's comment_count is the number of its comments that readers see: neither deleted nor
hidden (`counts`). Every path that changes that moves the count in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.permissions import take_part
from portal.comments import permissions
from portal.comments.models import Comment
from portal.core.clock import utcnow
from portal.core.db import ID_MAX
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.ideas import counters
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.moderation import audit
from portal.notifications import services as notifications
from portal.outputs import permissions as outputs_rules
from portal.votes import services as votes
from portal.workshops import permissions as workshop_rules
from portal.workshops import queries as workshops_q

BODY_MAX = 5_000


def _clean_body(body: str) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Write your comment.")})
    if len(body) > BODY_MAX:
        raise ValidationError(
            {"body": _("Use at most %(n)s characters for a comment.", n=BODY_MAX)}
        )
    if "\x00" in body:
        raise ValidationError(
            {"body": _("Remove the invisible control characters from your text.")}
        )
    return body


def add(
    *,
    db: Session,
    actor: User | None,
    idea_id: int,
    body: str,
    parent_id: int | None = None,
    source: str = "web",
) -> Comment:
    """Comment on an idea, or reply to a top-level comment. The author follows the idea.
    `source` is where it came in; the desk domain comments for people through here, with
    `actor` None for someone without an account (then nobody follows, and a hidden idea's
    discussion stays closed)."""
    if actor is not None:
        take_part(actor)
    idea = ideas_q.get(db, idea_id)
    if idea is None:
        raise NotFound()
    if not permissions.can_comment_on(actor, idea):
        raise Forbidden()
    if parent_id is not None:
        parent = db.get(Comment, parent_id) if 0 < parent_id <= ID_MAX else None
        if parent is None or parent.idea_id != idea_id or parent.deleted_at is not None:
            raise ValidationError({"body": _("The comment you replied to is no longer there.")})
        # One level of replies: a reply to a reply joins its thread.
        parent_id = parent.parent_id or parent.id
    comment = Comment(
        idea_id=idea_id,
        author_id=actor.id if actor is not None else None,
        parent_id=parent_id,
        body=_clean_body(body),
        is_staff=actor is not None and actor.is_staff,
        source=source,
    )
    db.add(comment)
    db.flush()
    counters.adjust_counts(db=db, idea_id=idea_id, comments=1)
    if comment.is_staff:
        ideas.record_response(db=db, idea_ids=[idea_id])
    if actor is not None:
        votes.follow(db=db, actor=actor, idea_id=idea_id)
    notifications.emit(
        db, "comment", actor_id=comment.author_id, idea_id=idea_id, comment_id=comment.id
    )
    return comment


def add_on_session(*, db: Session, actor: User, workshop_id: int, body: str) -> Comment:
    """Comment on what a design session produced. Participants (a confirmed place) and staff
    only (Forbidden); a session the person cannot see is NotFound; before its outputs are
    published, and for empty or long text, the message is named beside the field and
    nothing is stored. Everyone else who had a place hears of it (the `outputs` kind)."""
    take_part(actor)
    workshop = workshops_q.get(db, workshop_id)
    reg = workshops_q.registration(db, workshop_id, actor.id) if workshop else None
    if workshop is None or not workshop_rules.can_see(actor, workshop, holds_place=bool(reg)):
        raise NotFound()
    has_place = reg is not None and reg.status == "confirmed"
    if not permissions.can_comment_on_session(actor, has_place=has_place):
        raise Forbidden()
    if not outputs_rules.are_published(workshop):
        raise ValidationError(
            {"body": _("You can comment once what the session produced is published.")}
        )
    comment = Comment(
        workshop_id=workshop_id,
        author_id=actor.id,
        body=_clean_body(body),
        is_staff=actor.is_staff,
    )
    db.add(comment)
    db.flush()
    notifications.emit(
        db,
        "outputs",
        actor_id=actor.id,
        workshop_id=workshop_id,
        comment_id=comment.id,
        detail=workshop.title,
    )
    return comment


def _get(db: Session, comment_id: int) -> Comment:
    comment = db.get(Comment, comment_id)
    if comment is None:
        raise NotFound()
    return comment


def edit(*, db: Session, actor: User, comment_id: int, body: str) -> Comment:
    """Change one's own comment within the edit window."""
    comment = _get(db, comment_id)
    if not permissions.can_edit(actor, comment):
        raise Forbidden()
    comment.body = _clean_body(body)
    comment.edited_at = utcnow()
    db.add(comment)
    return comment


def delete(*, db: Session, actor: User, comment_id: int) -> Comment:
    """Delete a comment: its text goes, its place in the thread stays ("deleted")."""
    # Locked, so that two deletions at once (a double click) count the comment off only once.
    comment = db.get(Comment, comment_id, with_for_update=True)
    if comment is None:
        raise NotFound()
    if not permissions.can_delete(actor, comment):
        raise Forbidden()
    counted = counts(comment)
    comment.deleted_at = utcnow()
    comment.body = ""
    comment.is_official = False
    db.add(comment)
    recount_change(db=db, comment=comment, counted_before=counted)
    return comment


def counts(comment: Comment) -> bool:
    """Whether a comment counts in its idea's comment_count: the comments readers see, so
    neither deleted nor hidden by a moderator."""
    return comment.deleted_at is None and comment.hidden_at is None


def recount_change(*, db: Session, comment: Comment, counted_before: bool) -> None:
    """Move the idea's comment_count after `comment` was deleted, hidden or shown again
    (the caller holds the comment's row lock, so two changes at once count once)."""
    delta = int(counts(comment)) - int(counted_before)
    if delta and comment.idea_id is not None:  # a session keeps no count
        counters.adjust_counts(db=db, idea_id=comment.idea_id, comments=delta)


def hide(*, db: Session, comment_id: int, reason: str) -> dict[str, Any]:
    """Hide a comment: its author sees `reason`, everyone else a placeholder; it no longer
    counts for its idea. The moderators decide (portal.moderation.services), and record what
    it was before: returned here."""
    return _set_hidden(db, comment_id, utcnow(), reason)


def unhide(*, db: Session, comment_id: int) -> dict[str, Any]:
    """Show a hidden comment again; what it was before."""
    return _set_hidden(db, comment_id, None, "")


def _set_hidden(db: Session, comment_id: int, at: datetime | None, reason: str) -> dict[str, Any]:
    # Locked, so that two moderators at once count the comment once.
    comment = db.get(Comment, comment_id, with_for_update=True)
    if comment is None or comment.deleted_at is not None:
        raise NotFound()
    counted = counts(comment)
    before = {"hidden_at": comment.hidden_at, "hidden_reason": comment.hidden_reason}
    comment.hidden_at, comment.hidden_reason = at, reason
    db.add(comment)
    recount_change(db=db, comment=comment, counted_before=counted)
    return before


def mark_official(*, db: Session, actor: User, comment_id: int, official: bool = True) -> Comment:
    """Staff mark one comment per idea as the official answer (or clear it)."""
    if not permissions.can_mark_official(actor):
        raise Forbidden()
    comment = _get(db, comment_id)
    if comment.deleted_at is not None or comment.idea_id is None:
        raise NotFound()
    db.execute(
        update(Comment).where(col(Comment.idea_id) == comment.idea_id).values(is_official=False)
    )
    comment.is_official = official
    db.add(comment)
    if official:  # the library adopts this comment as its answer: a staff response
        ideas.record_response(db=db, idea_ids=[comment.idea_id])
    audit.record(db, actor, "mark_official", "comment", comment.id, None, {"official": official})
    return comment
