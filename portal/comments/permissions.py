"""Who may comment on an idea, edit or delete a comment, and mark the official answer."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts.models import User
from portal.comments.models import Comment
from portal.core.clock import aware, utcnow
from portal.ideas.models import Idea
from portal.workshops import permissions as workshop_rules

EDIT_WINDOW = timedelta(minutes=15)


def can_comment_on(user: User | None, idea: Idea) -> bool:
    """A hidden idea's discussion is closed, except to the moderators (staff); `user` None is
    someone without an account, for whom staff record a comment at the desk. Whether the
    person may take part at all is `accounts.permissions.take_part`."""
    return idea.hidden_at is None or (user is not None and user.is_staff)


def can_comment_on_session(user: User | None, *, has_place: bool) -> bool:
    """On what a design session produced, the people who had a confirmed place in it and the
    staff who run sessions comment; everyone else who sees the session reads. Whether the
    person may take part at all (a confirmed address, not blocked) is asked here too, so
    that nobody is offered a form that would refuse them."""
    return (
        user is not None and user.may_take_part and (has_place or workshop_rules.can_manage(user))
    )


def can_edit(user: User | None, comment: Comment) -> bool:
    """Authors edit their own comment for 15 minutes after posting it."""
    return (
        user is not None
        and comment.author_id == user.id
        and comment.deleted_at is None
        and utcnow() - aware(comment.created_at) <= EDIT_WINDOW
    )


def can_delete(user: User | None, comment: Comment) -> bool:
    """Authors delete their own comment, staff anyone's."""
    return (
        user is not None
        and comment.deleted_at is None
        and (comment.author_id == user.id or user.is_staff)
    )


def can_mark_official(user: User | None, comment: Comment | None = None) -> bool:
    """Staff mark one comment per idea as the library's official answer (a comment on a
    session's outputs answers no question, so is never one)."""
    return user is not None and user.is_staff and (comment is None or comment.idea_id is not None)
