"""What `portal check` verifies of votes: each idea's vote_count is the number of its vote
rows (anonymous ones included), and its trending the weight of its creation plus that of each
vote, as merging duplicates recomputes it. Both are repaired from the rows."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from portal.core.clock import utcnow
from portal.core.integrity import Finding
from portal.ideas import counters
from portal.ideas import queries as ideas_q
from portal.ideas.trending import agree, weight
from portal.votes import queries, services


def _problems(stored: tuple[int, float], rows: tuple[int, float], now: datetime) -> list[str]:
    (count, trending), (counted, computed) = stored, rows
    problems = []
    if count != counted:
        problems.append(f"vote_count {count}, rows {counted}")
    if not agree(trending, computed, now):
        problems.append(f"trending {trending:.6g}, rows give {computed:.6g}")
    return problems


def check(db: Session, repair: bool) -> list[Finding]:
    now = utcnow()
    tallies = queries.tallies(db)
    findings = []
    for idea_id, count, trending, created in ideas_q.vote_counters(db):
        counted, weights = tallies.get(idea_id, (0, 0.0))
        rows = (counted, weight(created) + weights)
        problems = _problems((count, trending), rows, now)
        if problems and repair:
            # Again under the idea's lock: a vote that arrived since is counted, once.
            locked = counters.locked(db, idea_id)
            stored = (locked.vote_count, locked.trending)
            problems = _problems(stored, queries.tally(db, idea_id), now)
            if problems:
                services.recount(db=db, idea_id=idea_id)
        findings += [Finding(f"idea {idea_id}", p, repaired=repair) for p in problems]
    return findings
