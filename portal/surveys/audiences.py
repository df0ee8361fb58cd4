"""Who a round asks: everyone signed in, the committee, or the people who took part in given
ideas, design sessions or a decision, each found through that domain's queries.

The kinds of "participants" a round can name are registered in `SOURCES`: a domain that
builds on surveys adds its own there (a pilot's cohort: the pilots domain will register kind
"pilot" with the SELECT of its cohort, and the round form offers it from then on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Select, literal, select, union
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.comments import queries as comments_q
from portal.core.clock import utcnow
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.ideas import queries as ideas_q
from portal.votes import queries as votes_q
from portal.workshops import permissions as workshops_permissions
from portal.workshops import queries as workshops_q


@dataclass(frozen=True)
class Source:
    """A kind of thing whose people a round can ask."""

    label: Callable[[], str]  # its name on the round form, in the reader's language
    exists: Callable[[Session, set[int]], set[int]]  # which of these ids exist
    people: Callable[[Session, list[int]], list[Select]]  # SELECTs of their user ids


def _idea_people(db: Session, ids: list[int]) -> list[Select]:
    return [
        ideas_q.proposers_select(ids),
        votes_q.voters_select(ids),
        comments_q.commenters_select(ids),
    ]


def _session_people(db: Session, ids: list[int]) -> list[Select]:
    return [workshops_q.registrants_select(ids)]


def _decision_people(db: Session, ids: list[int]) -> list[Select]:
    ideas = sorted({i for d in ids for i in decisions_q.idea_ids(db, d)})
    sessions = sorted({w for d in ids for w in decisions_q.workshop_ids(db, d)})
    return _idea_people(db, ideas) + _session_people(db, sessions)


SOURCES: dict[str, Source] = {
    "idea": Source(lambda: _("Ideas"), lambda db, ids: set(ideas_q.by_ids(db, ids)), _idea_people),
    "session": Source(
        lambda: _("Design sessions"),
        lambda db, ids: set(workshops_q.titles(db, ids)),
        _session_people,
    ),
    "decision": Source(
        lambda: _("Decisions"), lambda db, ids: set(decisions_q.titles(db, ids)), _decision_people
    ),
}


def people_select(db: Session, audience: str, sources: list[tuple[str, int]]) -> Select:
    """A SELECT of the ids of the people a round asks: confirmed, not blocked."""
    today = utcnow().date()
    base = select(col(User.id)).where(
        col(User.blocked_at).is_(None), col(User.email_confirmed_at).is_not(None)
    )
    if audience == "everyone":
        return base
    if audience == "committee":
        return base.where(workshops_permissions.is_member(today))
    parts: list[Select] = []
    for kind in SOURCES:
        ids = sorted({ref for k, ref in sources if k == kind})
        if ids:
            parts += SOURCES[kind].people(db, ids)
    if not parts:
        return base.where(literal(False))
    taking_part = union(*parts).subquery()
    return base.where(col(User.id).in_(select(taking_part.c[0])))
