"""What `portal check` verifies of decisions: a published decision answers the ideas it
links, so each of them has a first_response_at (repaired to the first such decision's
publication).

A decision's count of people notified is not checked: it is the number told when the worker
fanned the decision out (notifications.queries.notified_for_decision), a fact of that moment.
The rows it counted go when people delete their accounts, so they cannot recompute it. (The
`decision.notified_count` column is never written; nothing reads it either.)
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from portal.core.integrity import Finding
from portal.decisions.models import Decision, DecisionIdea
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas


def check(db: Session, repair: bool) -> list[Finding]:
    rows = db.execute(
        select(
            col(DecisionIdea.idea_id),
            func.min(col(Decision.published_at)),
            func.min(col(Decision.id)),
        )
        .join(Decision, col(Decision.id) == col(DecisionIdea.decision_id))
        .where(col(DecisionIdea.idea_id).in_(ideas_q.unanswered()))
        .group_by(col(DecisionIdea.idea_id))
        .order_by(col(DecisionIdea.idea_id))
    ).all()
    findings = []
    for idea_id, published_at, decision_id in rows:
        if repair:
            ideas.record_response(db=db, idea_ids=[idea_id], at=published_at)
        problem = f"linked by decision {decision_id}, but no first_response_at"
        findings.append(Finding(f"idea {idea_id}", problem, repaired=repair))
    return findings
