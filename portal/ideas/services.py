"""Writes of the ideas domain: propose, edit, change status, mark duplicate, hide and show.

An idea's counters are moved through portal.ideas.counters; what other domains do beside an
idea's own rows when it is proposed or merged into another, they register here (`proposed`,
`merged`), since ideas cannot import the domains that build on it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.permissions import take_part
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import number
from portal.core.hooks import Hooks
from portal.core.i18n import _
from portal.ideas import permissions, queries, search
from portal.ideas.models import STATUSES, Idea, StatusChange
from portal.ideas.trending import weight
from portal.moderation import audit
from portal.notifications import services as notifications

TITLE_MAX = 120
BODY_MAX = 10_000
RESPONSE_MAX = 5_000

# Called in the proposing transaction with (db, author, idea id): the votes domain has the
# author follow their idea.
proposed: Hooks[[Session, User, int], None] = Hooks("an idea is proposed")
# Called in the status change's transaction with (db, duplicate's id, original's id): the
# votes domain moves the duplicate's votes and followers to the original.
merged: Hooks[[Session, int, int], None] = Hooks("an idea is marked a duplicate of another")


def _category(
    db: Session,
    raw: str | int | None,
    errors: dict[str, str],
    editing: Idea | None,
    optional: bool = False,
) -> int | None:
    """The chosen category's id, or None for no category. One is required while the site
    offers categories (active ones), but an idea being edited keeps its own even when it is
    archived, one that has none (proposed before there were categories) may stay so, and an
    idea sent by email (`optional`: a message cannot choose one) may have none."""
    offered = {c.id for c in queries.active_categories(db)}
    current = editing.category_id if editing is not None else None
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty and (optional or not offered or (editing is not None and current is None)):
        return None
    wanted = number(raw)
    if wanted is not None and (wanted in offered or wanted == current):
        return wanted
    errors["category_id"] = _("Choose a category from the list.")
    return None


def _clean_fields(
    db: Session,
    title: str,
    body: str,
    category_id: str | int | None,
    *,
    editing: Idea | None = None,
    category_optional: bool = False,
) -> dict:
    title = " ".join((title or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not title:
        errors["title"] = _("Enter a title for your idea.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Use at most %(n)s characters for the title.", n=TITLE_MAX)
    if not body:
        errors["body"] = _("Describe your idea.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Use at most %(n)s characters for the description.", n=BODY_MAX)
    category = _category(db, category_id, errors, editing, category_optional)
    for name, value in (("title", title), ("body", body)):
        if "\x00" in value:
            errors.setdefault(name, _("Remove the invisible control characters from your text."))
    if errors:
        raise ValidationError(errors)
    return {"title": title, "body": body, "category_id": category}


def propose(
    *,
    db: Session,
    actor: User | None,
    title: str,
    body: str,
    category_id: str | int | None,
    library_proposal: bool = False,
    source: str = "web",
) -> Idea:
    """Post an idea; the author follows it. Only staff may post a library proposal. `source`
    is where it came in (portal.ideas.models.SOURCES); the desk domain posts for people
    through here, with `actor` None for someone without an account (nobody follows then)."""
    if actor is not None:
        take_part(actor)
    fields = _clean_fields(db, title, body, category_id)
    library = library_proposal and actor is not None and permissions.can_propose_for_library(actor)
    return _insert(db, actor, fields, "library" if library else "patron", source)


def propose_by_email(*, db: Session, actor: User, title: str, body: str) -> Idea:
    """Post an idea sent by email (portal.inbound), with the same rules as `propose`: a
    message cannot choose a category, so it may have none (staff give it one by editing)."""
    take_part(actor)
    fields = _clean_fields(db, title, body, None, category_optional=True)
    return _insert(db, actor, fields, "patron", "email")


def _insert(db: Session, actor: User | None, fields: dict, origin: str, source: str) -> Idea:
    now = utcnow()
    idea = Idea(
        **fields,
        author_id=actor.id if actor is not None else None,
        source=source,
        created_at=now,
        updated_at=now,
        trending=weight(now),
        origin=origin,
    )
    db.add(idea)
    db.flush()
    search.write_terms(db, idea)
    if actor is not None:
        proposed(db, actor, idea.id)
    return idea


def edit(
    *,
    db: Session,
    actor: User,
    idea_id: int,
    title: str,
    body: str,
    category_id: str | int | None,
) -> Idea:
    """Change an idea's text or category."""
    idea = db.get(Idea, idea_id)
    if idea is None:
        raise NotFound()
    if not permissions.can_edit(actor, idea):
        raise Forbidden()
    for key, value in _clean_fields(db, title, body, category_id, editing=idea).items():
        setattr(idea, key, value)
    idea.updated_at = utcnow()
    db.add(idea)
    search.write_terms(db, idea)
    return idea


def change_status(
    *,
    db: Session,
    actor: User,
    idea_id: int,
    status: str,
    response: str = "",
    duplicate_of: str | int | None = None,
    notify: bool = True,
) -> StatusChange:
    """Staff move an idea to a new status with an optional public response, kept in its
    history. Marking a duplicate merges votes and followers into the original; an idea that
    stops being a duplicate no longer names one."""
    if not permissions.can_change_status(actor):
        raise Forbidden()
    idea = db.execute(
        select(Idea).where(col(Idea.id) == idea_id).with_for_update()
    ).scalar_one_or_none()
    if idea is None:
        raise NotFound()
    response = (response or "").replace("\r\n", "\n").strip()
    errors = {}
    if status not in STATUSES:
        errors["status"] = _("Choose one of the statuses.")
    elif status == idea.status and not response:
        errors["status"] = _("Choose a different status, or write a response.")
    if len(response) > RESPONSE_MAX:
        errors["response"] = _("Use at most %(n)s characters for the response.", n=RESPONSE_MAX)
    elif "\x00" in response:
        errors["response"] = _("Remove the invisible control characters from your text.")
    original = None
    if status == "duplicate":
        original = _duplicate_target(db, idea, duplicate_of)
        if original is None:
            errors["duplicate_of"] = _("Enter the number of another idea that this one repeats.")
    if errors:
        raise ValidationError(errors)
    change = StatusChange(
        idea_id=idea.id,
        actor_id=actor.id,
        from_status=idea.status,
        to_status=status,
        response=response,
    )
    now = utcnow()
    idea.status = status
    idea.updated_at = now
    idea.first_response_at = idea.first_response_at or now
    idea.duplicate_of_id = original.id if original is not None else None
    if original is not None:
        merged(db, idea.id, original.id)
        # Its own duplicates' votes are moving on to the original too: point them there, so
        # no duplicate names another duplicate.
        db.execute(
            update(Idea)
            .where(col(Idea.duplicate_of_id) == idea.id)
            .values(duplicate_of_id=original.id)
            .execution_options(synchronize_session="fetch")
        )
    db.add_all([idea, change])
    db.flush()
    if notify:
        notifications.emit(db, "status", actor_id=actor.id, idea_id=idea.id, detail=response)
    audit.record(
        db,
        actor,
        "change_status",
        "idea",
        idea.id,
        {"status": change.from_status},
        {"status": status, "response": response, "duplicate_of": idea.duplicate_of_id},
    )
    return change


def _duplicate_target(db: Session, idea: Idea, raw: str | int | None) -> Idea | None:
    target_id = number(raw.strip().lstrip("#") if isinstance(raw, str) else raw)
    if not target_id or target_id == idea.id:
        return None
    target = db.get(Idea, target_id)
    return target if target is not None and target.status != "duplicate" else None


def record_response(*, db: Session, idea_ids: Iterable[int], at: datetime | None = None) -> None:
    """Note a staff response to these ideas (a status change, a staff comment, an official
    answer, a decision that links them), made `at` (now): `first_response_at` keeps the
    earliest. From then on the author can no longer edit the idea (permissions.can_edit)."""
    at = at or utcnow()
    db.execute(
        update(Idea)
        .where(
            col(Idea.id).in_(list(idea_ids)),
            or_(col(Idea.first_response_at).is_(None), col(Idea.first_response_at) > at),
        )
        .values(first_response_at=at)
        .execution_options(synchronize_session="fetch")
    )


def hide(*, db: Session, idea_id: int, reason: str) -> dict[str, Any]:
    """Hide an idea: staff and its author still read it, with `reason`; everyone else reads
    "Hidden idea" (portal.ideas.names), and it takes no new votes or comments except from
    moderators. The moderators decide (portal.moderation.services), and record what it was
    before: returned here."""
    return _set_hidden(db, idea_id, utcnow(), reason)


def unhide(*, db: Session, idea_id: int) -> dict[str, Any]:
    """Show a hidden idea again; what it was before."""
    return _set_hidden(db, idea_id, None, "")


def _set_hidden(db: Session, idea_id: int, at: datetime | None, reason: str) -> dict[str, Any]:
    idea = db.get(Idea, idea_id, with_for_update=True)
    if idea is None:
        raise NotFound()
    before = {"hidden_at": idea.hidden_at, "hidden_reason": idea.hidden_reason}
    idea.hidden_at, idea.hidden_reason = at, reason
    db.add(idea)
    return before
