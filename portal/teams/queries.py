"""Reads of the teams domain."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.queries import users_by_ids
from portal.teams.models import Team, TeamMember


def listing(db: Session) -> list[Team]:
    """Every team, archived ones too, by name."""
    return list(db.execute(select(Team).order_by(col(Team.name), col(Team.id))).scalars())


def active(db: Session) -> list[Team]:
    """The teams a decision may name (not archived), by name."""
    return list(
        db.execute(
            select(Team)
            .where(col(Team.archived_at).is_(None))
            .order_by(col(Team.name), col(Team.id))
        ).scalars()
    )


def get(db: Session, team_id: int) -> Team | None:
    """One team by id."""
    return db.get(Team, team_id)


def by_ids(db: Session, ids: set[int]) -> dict[int, Team]:
    """Teams by id, in one query."""
    if not ids:
        return {}
    return {t.id: t for t in db.execute(select(Team).where(col(Team.id).in_(ids))).scalars()}


def member_counts(db: Session) -> dict[int, int]:
    """How many members each team has, by team id."""
    return dict(
        db.execute(
            select(col(TeamMember.team_id), func.count()).group_by(col(TeamMember.team_id))
        ).all()
    )


def members(db: Session, team_id: int) -> list[User]:
    """A team's members, by name."""
    ids = set(
        db.execute(
            select(col(TeamMember.user_id)).where(col(TeamMember.team_id) == team_id)
        ).scalars()
    )
    return sorted(users_by_ids(db, ids).values(), key=lambda u: (u.display_name.casefold(), u.id))
