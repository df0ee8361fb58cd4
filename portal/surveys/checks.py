"""What `portal check` verifies of surveys: each answer's round is its response's round (the
answer repeats it for the results' index), and each round's audience names ideas, sessions
and decisions that exist. `--repair` copies the response's round onto its answers and drops
a source that names nothing (the round's audience is then what the rest of it names)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlmodel import Session, col

from portal.core.integrity import Finding
from portal.surveys import audiences
from portal.surveys.models import Answer, Response, RoundSource, TextAnswer


def check(db: Session, repair: bool) -> list[Finding]:
    return _answer_rounds(db, repair) + _sources(db, repair)


def _answer_rounds(db: Session, repair: bool) -> list[Finding]:
    findings = []
    for model, name in ((Answer, "answer"), (TextAnswer, "text answer")):
        rows = db.execute(
            select(col(model.id), col(model.round_id), col(Response.round_id))
            .join(Response, col(Response.id) == col(model.response_id))
            .where(col(model.round_id) != col(Response.round_id))
            .order_by(col(model.id))
        ).all()
        for row_id, stored, right in rows:
            if repair:
                db.execute(update(model).where(col(model.id) == row_id).values(round_id=right))
            problem = f"round {stored}, its response's round {right}"
            findings.append(Finding(f"survey {name} {row_id}", problem, repaired=repair))
    return findings


def _sources(db: Session, repair: bool) -> list[Finding]:
    findings = []
    rows = db.execute(
        select(
            col(RoundSource.id),
            col(RoundSource.round_id),
            col(RoundSource.kind),
            col(RoundSource.ref_id),
        ).order_by(col(RoundSource.id))
    ).all()
    existing = {
        kind: source.exists(db, {ref for _i, _r, k, ref in rows if k == kind})
        for kind, source in audiences.SOURCES.items()
    }
    for row_id, round_id, kind, ref in rows:
        if ref in existing.get(kind, {ref}):
            continue
        if repair:
            db.execute(delete(RoundSource).where(col(RoundSource.id) == row_id))
        problem = f"its audience names {kind} {ref}, which does not exist"
        findings.append(Finding(f"survey round {round_id}", problem, repaired=repair))
    return findings
