"""Writes of the teams domain, by admins: add a team, change its names and description, add
and remove staff members, archive and restore it. Teams are never deleted: the decisions
that named them keep naming them."""

from __future__ import annotations

import re

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.queries import user_by_email, user_by_id
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.moderation import audit
from portal.teams import permissions, queries
from portal.teams.models import Team, TeamMember

NAME_MAX = 120
DESCRIPTION_MAX = 1000
# Control characters but tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _allowed(actor: User) -> None:
    if not permissions.can_manage(actor):
        raise Forbidden()


def _locked(db: Session, team_id: int) -> Team:
    team = db.execute(
        select(Team).where(col(Team.id) == team_id).with_for_update()
    ).scalar_one_or_none()
    if team is None:
        raise NotFound()
    return team


def _fields(db: Session, form: dict[str, str], same: int | None = None) -> dict[str, str]:
    """Check a team's names and description: an English name is required, and no other team
    (archived ones included, letter case ignored) may have the same name."""
    values = {
        "name": " ".join((form.get("name") or "").split()),
        "name_zh": " ".join((form.get("name_zh") or "").split()),
        "description": (form.get("description") or "").replace("\r\n", "\n").strip(),
    }
    errors: dict[str, str] = {}
    for key, limit in (("name", NAME_MAX), ("name_zh", NAME_MAX), ("description", DESCRIPTION_MAX)):
        # A name is one line, with no control characters; a description is text, where only
        # NUL (which no database column can store) is refused.
        if _CONTROL.search(values[key]) if key != "description" else "\x00" in values[key]:
            errors[key] = _("Remove the invisible control characters from your text.")
        elif len(values[key]) > limit:
            errors[key] = _("Use at most %(n)s characters here.", n=limit)
    if not values["name"]:
        errors["name"] = _("Enter the team's name in English.")
    others = [t for t in queries.listing(db) if t.id != same]
    for key in ("name", "name_zh"):
        value = values[key].casefold()
        taken = next((t for t in others if value and getattr(t, key).casefold() == value), None)
        if taken is not None and key not in errors:
            errors[key] = (
                _("An archived team is called “%(name)s”: restore it instead.", name=values[key])
                if taken.archived_at
                else _("There is already a team called “%(name)s”.", name=values[key])
            )
    if errors:
        raise ValidationError(errors)
    return values


def add(*, db: Session, actor: User, form: dict[str, str]) -> Team:
    """Add a team."""
    _allowed(actor)
    values = _fields(db, form)
    team = Team(name=values["name"], name_zh=values["name_zh"], description=values["description"])
    db.add(team)
    db.flush()
    audit.record(db, actor, "add_team", "team", team.id, None, {"name": team.name})
    return team


def edit(*, db: Session, actor: User, team_id: int, form: dict[str, str]) -> Team:
    """Change a team's names or description."""
    _allowed(actor)
    team = _locked(db, team_id)
    before = {"name": team.name, "name_zh": team.name_zh, "description": team.description}
    values = _fields(db, form, same=team.id)
    for key, value in values.items():
        setattr(team, key, value)
    db.add(team)
    audit.record(db, actor, "edit_team", "team", team.id, before, values)
    return team


def add_member(*, db: Session, actor: User, team_id: int, email: str) -> User:
    """Add a staff member to a team, found by their email address."""
    _allowed(actor)
    team = _locked(db, team_id)
    email = (email or "").strip()
    if not email:
        raise ValidationError({"email": _("Enter the email address of a staff member.")})
    person = user_by_email(db, email)
    if person is None:
        raise ValidationError({"email": _("There is no account with this email address.")})
    if not permissions.can_be_member(person):
        raise ValidationError(
            {"email": _("Only staff and administrators can be members of a team.")}
        )
    row = TeamMember(team_id=team.id, user_id=person.id)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError as exc:
        raise ValidationError(
            {"email": _("%(name)s is already a member.", name=person.display_name)}
        ) from exc
    audit.record(db, actor, "add_team_member", "team", team.id, None, {"user": person.id})
    return person


def remove_member(*, db: Session, actor: User, team_id: int, user_id: int) -> None:
    """Take a person off a team."""
    _allowed(actor)
    team = _locked(db, team_id)
    gone = db.exec(
        delete(TeamMember).where(
            col(TeamMember.team_id) == team.id, col(TeamMember.user_id) == user_id
        )
    ).rowcount
    if not gone:
        raise NotFound()
    person = user_by_id(db, user_id)
    name = person.display_name if person else None
    audit.record(db, actor, "remove_team_member", "team", team.id, {"user": user_id, "name": name})


def archive(*, db: Session, actor: User, team_id: int) -> Team:
    """Archive a team: decisions no longer offer it, and those that named it still do."""
    _allowed(actor)
    team = _locked(db, team_id)
    if team.archived_at is None:
        team.archived_at = utcnow()
        db.add(team)
        audit.record(db, actor, "archive_team", "team", team.id)
    return team


def restore(*, db: Session, actor: User, team_id: int) -> Team:
    """Offer an archived team again."""
    _allowed(actor)
    team = _locked(db, team_id)
    if team.archived_at is not None:
        team.archived_at = None
        db.add(team)
        audit.record(db, actor, "restore_team", "team", team.id)
    return team


def drop_member(*, db: Session, team_id: int, user_id: int) -> None:
    """Remove a membership that no longer holds (for `portal check --repair`)."""
    db.execute(
        delete(TeamMember).where(
            col(TeamMember.team_id) == team_id, col(TeamMember.user_id) == user_id
        )
    )
