"""Writes of the triage domain: assign an idea's lead team and owner, ask another team for
input and mark it answered, write an internal note, score an idea, and (admins) set the
scoring criteria. Each authorizes, validates, writes, records the staff action in the audit
log and, for assignments and requests, queues a notice to each member of the team."""

from __future__ import annotations

import re

from sqlalchemy import delete, func, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.queries import user_by_id
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.ideas import queries as ideas_q
from portal.moderation import audit
from portal.notifications import services as notifications
from portal.teams import queries as teams_q
from portal.teams.models import Team
from portal.triage import permissions, queries
from portal.triage.models import (
    CRITERIA_MAX,
    SCORE_MAX,
    Assignment,
    Criterion,
    InputRequest,
    Note,
    Score,
)

MESSAGE_MAX = 2000
NOTE_MAX = 5000
NAME_MAX = 80
# Control characters but tab and newline: no column should keep them.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _staff(actor: User) -> None:
    if not permissions.can_triage(actor):
        raise Forbidden()


def _idea(db: Session, idea_id: int) -> int:
    idea = ideas_q.get(db, idea_id)
    if idea is None:
        raise NotFound()
    return idea.id


def _team(db: Session, raw: str, errors: dict[str, str], key: str) -> Team | None:
    team_id = number(raw)
    team = teams_q.get(db, team_id) if team_id else None
    if team is None or team.archived_at is not None:
        errors[key] = _("Choose a team.")
        return None
    return team


def _text(raw: str, limit: int, key: str, errors: dict[str, str], missing: str) -> str:
    text = (raw or "").replace("\r\n", "\n").strip()
    if not text:
        errors[key] = missing
    elif _CONTROL.search(text):
        errors[key] = _("Remove the invisible control characters from your text.")
    elif len(text) > limit:
        errors[key] = _("Use at most %(n)s characters here.", n=limit)
    return text


def _notify(db: Session, actor: User, idea_id: int, team: Team, what: str) -> None:
    """One notice per member of `team` (the actor left out by the fan-out), in-app and by
    email as each prefers, written by the worker in each one's language."""
    for member in teams_q.members(db, team.id):
        if permissions.can_own(member):
            notifications.emit(
                db,
                "triage",
                actor_id=actor.id,
                idea_id=idea_id,
                user_id=member.id,
                detail=f"{what}:{team.name}",
            )


def assign(*, db: Session, actor: User, idea_id: int, form: dict[str, str]) -> Assignment:
    """Give an idea its lead team and staff owner; the team's members hear of it when the
    team changes."""
    _staff(actor)
    idea_id = _idea(db, idea_id)
    errors: dict[str, str] = {}
    team = _team(db, form.get("team_id", ""), errors, "team_id")
    owner_id = number(form.get("owner_id", ""))
    owner = user_by_id(db, owner_id) if owner_id else None
    if not permissions.can_own(owner):
        errors["owner_id"] = _("Choose a member of staff.")
    if errors or team is None or owner is None:
        raise ValidationError(errors)
    row = queries.assignment(db, idea_id)
    before = {"team_id": row.team_id, "owner_id": row.owner_id} if row else None
    team_changed = row is None or row.team_id != team.id
    row = row or Assignment(idea_id=idea_id, team_id=team.id)
    row.team_id, row.owner_id = team.id, owner.id
    row.assigned_by, row.assigned_at = actor.id, utcnow()
    db.add(row)
    audit.record(
        db,
        actor,
        "triage_assign",
        "idea",
        idea_id,
        before,
        {"team_id": team.id, "owner_id": owner.id},
    )
    if team_changed:
        _notify(db, actor, idea_id, team, "lead")
    return row


def ask_input(*, db: Session, actor: User, idea_id: int, form: dict[str, str]) -> InputRequest:
    """Ask a team for its input on an idea, with a message; asking again reopens the request
    with the new message. Its members hear of it."""
    _staff(actor)
    idea_id = _idea(db, idea_id)
    errors: dict[str, str] = {}
    team = _team(db, form.get("input_team_id", ""), errors, "input_team_id")
    message = _text(
        form.get("message", ""),
        MESSAGE_MAX,
        "message",
        errors,
        _("Say what you would like the team to look at."),
    )
    if errors or team is None:
        raise ValidationError(errors)
    row = db.execute(
        select(InputRequest).where(
            col(InputRequest.idea_id) == idea_id, col(InputRequest.team_id) == team.id
        )
    ).scalar_one_or_none() or InputRequest(idea_id=idea_id, team_id=team.id, message=message)
    row.message, row.asked_by, row.asked_at = message, actor.id, utcnow()
    row.answered_at = row.answered_by = None
    db.add(row)
    db.flush()
    audit.record(db, actor, "triage_ask_input", "idea", idea_id, None, {"team_id": team.id})
    _notify(db, actor, idea_id, team, "input")
    return row


def answer_input(*, db: Session, actor: User, request_id: int) -> InputRequest:
    """Mark a request for input answered."""
    _staff(actor)
    row = queries.request(db, request_id)
    if row is None:
        raise NotFound()
    if row.answered_at is None:
        row.answered_at, row.answered_by = utcnow(), actor.id
        db.add(row)
        audit.record(db, actor, "triage_answer_input", "idea", row.idea_id, None, {"id": row.id})
    return row


def add_note(*, db: Session, actor: User, idea_id: int, body: str) -> Note:
    """Write an internal note on an idea. The audit log names the note, never its text."""
    _staff(actor)
    idea_id = _idea(db, idea_id)
    errors: dict[str, str] = {}
    text = _text(body, NOTE_MAX, "note", errors, _("Write the note."))
    if errors:
        raise ValidationError(errors)
    note = Note(idea_id=idea_id, author_id=actor.id, body=text)
    db.add(note)
    db.flush()
    audit.record(db, actor, "triage_note", "idea", idea_id, None, {"note_id": note.id})
    return note


def score(*, db: Session, actor: User, idea_id: int, form: dict[str, str]) -> dict[int, int]:
    """Score an idea 0 to 5 on each criterion (`score-<id>`; empty leaves it unscored)."""
    _staff(actor)
    idea_id = _idea(db, idea_id)
    wanted: dict[int, int | None] = {}
    errors: dict[str, str] = {}
    for criterion in queries.criteria(db):
        raw = (form.get(f"score-{criterion.id}") or "").strip()
        value = number(raw, SCORE_MAX) if raw else None
        if raw and value is None:
            errors[f"score-{criterion.id}"] = _("Choose a score from 0 to 5.")
        wanted[criterion.id] = value
    if errors:
        raise ValidationError(errors)
    before = queries.scores(db, idea_id)
    db.execute(delete(Score).where(col(Score.idea_id) == idea_id))
    for criterion_id, value in wanted.items():
        if value is not None:
            db.add(
                Score(idea_id=idea_id, criterion_id=criterion_id, score=value, scored_by=actor.id)
            )
    after = {k: v for k, v in wanted.items() if v is not None}
    audit.record(db, actor, "triage_score", "idea", idea_id, before, after)
    return after


def _criterion_fields(form: dict[str, str]) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for key in ("name", "name_zh"):
        text = " ".join((form.get(key) or "").split())
        if _CONTROL.search(text):
            errors[key] = _("Remove the invisible control characters from your text.")
        elif len(text) > NAME_MAX:
            errors[key] = _("Use at most %(n)s characters here.", n=NAME_MAX)
        values[key] = text
    if not values["name"] and "name" not in errors:
        errors["name"] = _("Enter the criterion's name in English.")
    weight = number(form.get("weight", ""), 10)
    if weight is None or weight < 1:
        errors["weight"] = _("Choose a weight from 1 to 10.")
    values["weight"] = weight
    if errors:
        raise ValidationError(errors)
    return values


def add_criterion(*, db: Session, actor: User, form: dict[str, str]) -> Criterion:
    """Add a scoring criterion (admins; at most eight)."""
    if not permissions.can_manage_criteria(actor):
        raise Forbidden()
    values = _criterion_fields(form)
    if db.execute(select(func.count()).select_from(Criterion)).scalar_one() >= CRITERIA_MAX:
        raise ValidationError(
            {"name": _("There can be at most %(n)s criteria. Remove one first.", n=CRITERIA_MAX)}
        )
    criterion = Criterion(**values)  # type: ignore[arg-type]
    db.add(criterion)
    db.flush()
    audit.record(db, actor, "triage_add_criterion", "criterion", criterion.id, None, values)
    return criterion


def edit_criterion(*, db: Session, actor: User, criterion_id: int, form: dict[str, str]) -> None:
    """Rename a criterion or change its weight (admins)."""
    if not permissions.can_manage_criteria(actor):
        raise Forbidden()
    criterion = db.get(Criterion, criterion_id)
    if criterion is None:
        raise NotFound()
    values = _criterion_fields(form)
    before = {"name": criterion.name, "name_zh": criterion.name_zh, "weight": criterion.weight}
    for key, value in values.items():
        setattr(criterion, key, value)
    db.add(criterion)
    audit.record(db, actor, "triage_edit_criterion", "criterion", criterion.id, before, values)


def remove_criterion(*, db: Session, actor: User, criterion_id: int) -> None:
    """Remove a criterion and the scores given on it (admins)."""
    if not permissions.can_manage_criteria(actor):
        raise Forbidden()
    criterion = db.get(Criterion, criterion_id)
    if criterion is None:
        raise NotFound()
    before = {"name": criterion.name, "weight": criterion.weight}
    db.execute(delete(Score).where(col(Score.criterion_id) == criterion_id))
    db.delete(criterion)
    audit.record(db, actor, "triage_remove_criterion", "criterion", criterion_id, before, None)
