"""Who may attach files to what, and who may see them.

Staff attach to ideas, design sessions, decisions and questions' options; anyone who may
take part attaches to their own ideas and comments. A file is seen by whoever may see what it
is attached to: a hidden idea or comment, a deleted comment, a comment on a hidden idea hide
their files from everyone but the moderators (staff); a committee-only session's files are for
those who may see the session. An option's pictures are seen exactly as the files of the idea
or session its question is on.
"""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from portal.workshops import permissions as workshop_rules
from portal.workshops.models import Workshop


def _host(kind: str, owner: Any, parent: Any) -> tuple[str, Any, Any]:
    """(kind, owner, parent) whose rules decide: a question's option follows the idea or the
    design session (`parent`) its question is on; everything else itself."""
    if kind != "choice_option":
        return kind, owner, parent
    if parent is None:
        return kind, None, None
    return ("workshop" if isinstance(parent, Workshop) else "idea"), parent, None


def can_attach(user: User | None, kind: str, owner: Any, parent: Any = None) -> bool:
    """May `user` attach a file to `owner` (an idea, a comment, a workshop, a decision;
    `parent`: a comment's idea)? Nothing is added to what is hidden or deleted, nor to the
    comments of a hidden idea, whose discussion is closed."""
    if user is None or not user.may_take_part or owner is None:
        return False
    if kind in ("workshop", "decision", "choice_option"):
        return user.is_staff
    hidden = [owner, parent] if parent is not None else [owner]
    if any(o.hidden_at is not None or getattr(o, "deleted_at", None) for o in hidden):
        return False
    if kind == "idea":
        return user.is_staff or owner.author_id == user.id
    return kind == "comment" and owner.author_id == user.id


def is_limited(user: User) -> bool:
    """Staff attach without a daily limit; everyone else meets the "media" rate limit."""
    return not user.is_staff


def is_public(kind: str, owner: Any, parent: Any = None) -> bool:
    """Anyone, signed in or not, may see the files of `owner` (`parent`: a comment's idea,
    an option's idea or session)."""
    kind, owner, parent = _host(kind, owner, parent)
    if owner is None:
        return False
    if kind == "workshop":
        return owner.audience == "public"
    if kind == "decision":
        return True
    if owner.hidden_at is not None or getattr(owner, "deleted_at", None) is not None:
        return False
    return parent is None or parent.hidden_at is None


def can_see(user: User | None, kind: str, owner: Any, parent: Any = None) -> bool:
    """May `user` see the files of `owner`? Everyone when public; moderators always (they
    review hidden content) and the author of a hidden idea or comment; committee-only
    sessions' files for those who see the session."""
    kind, owner, parent = _host(kind, owner, parent)
    if owner is None:
        return False
    if is_public(kind, owner, parent) or (user is not None and user.is_staff):
        return True
    if kind == "workshop":
        return workshop_rules.can_see(user, owner)
    # The author of a hidden idea or comment still reads it, and so its files.
    return (
        user is not None
        and getattr(owner, "deleted_at", None) is None
        and owner.author_id == user.id
    )
