"""A pilot measured: its baseline and follow-up rounds' results side by side (the surveys'
own results and comparison, only for rounds this reader may see), and the entries it adds
to an idea's timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from portal.accounts.models import User
from portal.core.clock import aware, utcnow
from portal.decisions import queries as decisions_q
from portal.pilots.models import Pilot
from portal.surveys import charts, permissions, queries, results
from portal.surveys.labels import local_text
from portal.surveys.models import Round, Survey
from portal.surveys.results_routes import round_name


@dataclass
class BeforeAfter:
    """What a reader may see of a pilot's rounds: each round (None when not scheduled), its
    results when visible, the change between them and a chart per dimension when both are."""

    survey: Survey | None
    baseline: Round | None = None
    followup: Round | None = None
    before: results.RoundResult | None = None
    after: results.RoundResult | None = None
    changes: results.Changes | None = None
    names: dict[str, str] = field(default_factory=dict)
    charts: dict[str, Any] = field(default_factory=dict)  # drawn SVG (Markup) by dimension


def _visible(s: Session, rnd: Round | None, user: User | None, staff: bool) -> Any:
    if rnd is None or aware(rnd.opens_at) > utcnow():
        return None
    if not permissions.can_see_results(user, rnd):
        return None
    return queries.round_results(s, rnd, merge_groups=not staff)


def before_after(s: Session, pilot: Pilot, user: User | None) -> BeforeAfter:
    """The pilot's measures as this reader may see them (published results, or staff's)."""
    survey = queries.get(s, pilot.survey_id) if pilot.survey_id else None
    out = BeforeAfter(survey)
    if survey is None:
        return out
    staff = permissions.can_manage(user)
    for key in ("baseline", "followup"):
        round_id = getattr(pilot, f"{key}_round_id")
        setattr(out, key, queries.get_round(s, round_id) if round_id else None)
    out.before = _visible(s, out.baseline, user, staff)
    out.after = _visible(s, out.followup, user, staff)
    if out.before is None and out.after is None:
        return out
    structure = queries.structure(s, survey)
    out.names = {d.code: local_text(d, "name") for d in structure.dimensions}
    out.names |= {i.code: local_text(i) for i in structure.all_items}
    if out.before is not None and out.after is not None:
        assert out.baseline is not None and out.followup is not None
        out.changes = results.compare(out.before, out.after)
        out.charts = _charts(survey, out)
    return out


def _charts(survey: Survey, m: BeforeAfter) -> dict[str, Any]:
    """A chart per dimension of each item's mean before and after (the surveys' own)."""
    assert m.after is not None and m.changes is not None
    assert m.baseline is not None and m.followup is not None
    scale = charts.Scale(1, 9 if survey.scale == "three" else survey.points)
    drawn: dict[str, Any] = {}
    for n, d in enumerate(m.after.dimensions):
        rows = [
            (m.names.get(i.code, i.code), m.changes.items[i.code])
            for i in d.items
            if i.code in m.changes.items
        ]
        if rows:
            drawn[d.code] = charts.rounds_chart(
                rows,
                scale=scale,
                rounds=(round_name(m.baseline), round_name(m.followup)),
                name=m.names.get(d.code, d.code),
                key=f"pilot-change-{n}",
            )
    return drawn


def timeline(s: Session, pilots: list[Pilot]) -> list[tuple[datetime, str, object]]:
    """Entries for an idea's timeline, (when, kind, item): each pilot's rounds once they
    open, and its review with the next decision."""
    now = utcnow()
    entries: list[tuple[datetime, str, object]] = []
    following = decisions_q.titles(s, {p.next_decision_id for p in pilots if p.next_decision_id})
    for pilot in pilots:
        for key in ("baseline", "followup"):
            round_id = getattr(pilot, f"{key}_round_id")
            rnd = queries.get_round(s, round_id) if round_id else None
            if rnd is not None and aware(rnd.opens_at) <= now:
                item: dict[str, object] = {"pilot": pilot, "round": rnd, "which": key}
                entries.append((aware(rnd.opens_at), "pilots/_timeline_round.html", item))
        if pilot.reviewed_at is not None:
            item = {"pilot": pilot, "next_title": following.get(pilot.next_decision_id or 0)}
            entries.append((aware(pilot.reviewed_at), "pilots/_timeline_review.html", item))
    return entries
