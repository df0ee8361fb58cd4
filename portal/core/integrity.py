"""`portal check`: every counter and reference the portal keeps, compared with the rows.

Each domain knows its own rules and offers them as checks (its `checks.py`): a function
`check(db, repair)` that reads its tables, returns a `Finding` per disagreement, and with
`repair` sets right what can be recomputed from the rows, through the domain's services. The
app's wiring lists them in the order they run (portal.domains.CHECKS); this module runs them
in one transaction: a consistent snapshot for a check, one write transaction for a repair
(which then moves the site's data version, so pages kept for visitors are rendered again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session

from portal.core import db


@dataclass(frozen=True)
class Finding:
    """One disagreement: what (`subject`, like "idea 12"), how ("vote_count 5, rows 4"),
    whether the rows say what is right (`repairable`), and whether it was repaired."""

    subject: str
    problem: str
    repairable: bool = True
    repaired: bool = False

    def __str__(self) -> str:
        if self.repaired:
            note = " (repaired)"
        elif not self.repairable:
            note = " (not repairable here)"
        else:
            note = ""
        return f"{self.subject}: {self.problem}{note}"


Check = Callable[[Session, bool], list[Finding]]


@dataclass
class Report:
    names: list[str]
    findings: list[Finding] = field(default_factory=list)

    @property
    def left(self) -> list[Finding]:
        """What still disagrees."""
        return [f for f in self.findings if not f.repaired]

    def summary(self) -> str:
        if not self.findings:
            return f"Everything agrees ({', '.join(self.names)})."
        n, left = len(self.findings), len(self.left)
        found = f"{n} disagreement{'s' if n != 1 else ''}"
        repaired = n - left
        if repaired:
            return f"{found}: {repaired} repaired, {left} left."
        fixable = sum(f.repairable for f in self.findings)
        if not fixable:
            return f"{found}; the rows cannot tell what is right."
        return f"{found} ({fixable} can be repaired with --repair)."


def run(engine: Engine, checks: list[tuple[str, Check]], *, repair: bool = False) -> Report:
    """Run `checks` (named, in order), and with `repair` set right what can be recomputed, in
    one transaction."""
    report = Report([name for name, _check in checks])
    if not repair:
        with db.read(engine) as session:
            if engine.dialect.name == "postgresql":  # one snapshot: counters and rows together
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            for _name, check in checks:
                report.findings += check(session, False)
        return report
    with db.write(engine, shown=False) as session:
        for _name, check in checks:
            report.findings += check(session, True)
    if any(f.repaired for f in report.findings):
        db.bump_version(engine)  # pages kept for visitors show the old figures
    return report
