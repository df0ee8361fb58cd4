"""Writes of the outputs domain: staff link an idea a session created or changed, or create
one from the session page, linked to it."""

from __future__ import annotations

from sqlmodel import Session

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.ideas.models import Idea
from portal.moderation import audit
from portal.outputs import permissions, queries
from portal.outputs.models import NOTE_MAX, OutputIdea
from portal.workshops import queries as workshops_q


def link_idea(*, db: Session, actor: User, workshop_id: int, idea: str, note: str) -> OutputIdea:
    """Link an idea, by its number ("12" or "#12"), to the session that created or changed
    it, with a short note. Staff only (Forbidden), a session that exists (NotFound) and has
    begun; a missing, hidden or already linked idea and a long note are named beside their
    fields (ValidationError), and nothing is stored."""
    if not permissions.can_link(actor):
        raise Forbidden()
    workshop = workshops_q.get(db, workshop_id)
    if workshop is None:
        raise NotFound()
    note = note.strip()
    errors: dict[str, str] = {}
    if not permissions.has_started(workshop, utcnow()):
        errors["idea"] = _("Link ideas once the session has taken place.")
    idea_id = number(idea.strip().removeprefix("#"))
    found = ideas_q.get(db, idea_id) if idea_id else None
    if found is None or found.hidden_at is not None:
        errors.setdefault("idea", _("Enter the number of a published idea, for example 12."))
    elif queries.is_linked(db, workshop_id, found.id):
        errors.setdefault("idea", _("This idea is already among the session's outputs."))
    if len(note) > NOTE_MAX:
        errors["note"] = _("Use at most %(n)s characters here.", n=NOTE_MAX)
    if "\x00" in note:
        errors["note"] = _("Remove the invisible control characters from your text.")
    if errors or found is None:
        raise ValidationError(errors)
    row = OutputIdea(workshop_id=workshop_id, idea_id=found.id, note=note, added_by=actor.id)
    db.add(row)
    db.flush()
    audit.record(db, actor, "link_output_idea", "session", workshop_id, None, {"idea": found.id})
    return row


# The fields of the session page's "new idea" form, by the idea service's names for them.
NEW_FIELDS = {"new_title": "title", "new_body": "body", "new_category": "category_id"}


def create_idea(*, db: Session, actor: User, workshop_id: int, form: dict[str, str]) -> Idea:
    """Propose an idea from a session that has taken place (its author is the staff member)
    and link it to the session's outputs, in one transaction. The idea service's checks
    apply, their messages named by this form's fields; nothing is stored on any error."""
    if not permissions.can_link(actor):
        raise Forbidden()
    workshop = workshops_q.get(db, workshop_id)
    if workshop is None:
        raise NotFound()
    if not permissions.has_started(workshop, utcnow()):
        raise ValidationError({"new_title": _("Create ideas once the session has taken place.")})
    values = {name: form.get(key, "") for key, name in NEW_FIELDS.items()}
    try:
        idea = ideas.propose(
            db=db,
            actor=actor,
            title=values["title"],
            body=values["body"],
            category_id=values["category_id"],
        )
    except ValidationError as exc:
        names = {name: key for key, name in NEW_FIELDS.items()}
        raise ValidationError(
            {names.get(k, "new_title"): v for k, v in exc.errors.items()}
        ) from exc
    db.add(OutputIdea(workshop_id=workshop_id, idea_id=idea.id, note="", added_by=actor.id))
    db.flush()
    audit.record(db, actor, "create_output_idea", "session", workshop_id, None, {"idea": idea.id})
    return idea
