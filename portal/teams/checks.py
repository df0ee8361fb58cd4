"""What `portal check` verifies of teams: every member is a staff or admin account. A person
whose role changed (at /staff/users) stays on their teams until an admin takes them off;
`--repair` does that."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.integrity import Finding
from portal.teams import services
from portal.teams.models import TeamMember


def check(db: Session, repair: bool) -> list[Finding]:
    rows = db.execute(
        select(col(TeamMember.team_id), col(TeamMember.user_id), col(User.role))
        .join(User, col(User.id) == col(TeamMember.user_id))
        .where(col(User.role).not_in(("staff", "admin")))
        .order_by(col(TeamMember.team_id), col(TeamMember.user_id))
    ).all()
    findings = []
    for team_id, user_id, role in rows:
        if repair:
            services.drop_member(db=db, team_id=team_id, user_id=user_id)
        problem = f"member user {user_id} is a {role}, not staff"
        findings.append(Finding(f"team {team_id}", problem, repaired=repair))
    return findings
