"""The dashboard's figures as tables: each with a name (its CSV's `table=`), a caption, and
columns that have a code (the CSV header) and a label in the reader's language (the page's
header). The page and the CSV download are made from the same rows, so they cannot differ."""

from __future__ import annotations

from dataclasses import dataclass

from portal.accounts.labels import group_label
from portal.assessment.dashboard import CHANNELS, GROUPS, Dashboard
from portal.core.i18n import _
from portal.ideas.labels import origin_label, source_label
from portal.surveys.labels import local_text

Value = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str
    caption: str
    columns: list[tuple[str, str]]  # (code, label)
    rows: list[list[Value]]  # the first cell heads its row


def channel_label(code: str) -> str:
    return {
        "ideas": _("Ideas"),
        "comments": _("Comments"),
        "votes": _("Votes"),
        "survey_responses": _("Survey responses"),
        "stories": _("Stories"),
        "session_signups": _("Session sign-ups"),
    }.get(code, code)


def _participation(d: Dashboard) -> Table:
    return Table(
        "participation",
        _("Taking part, by channel: how many of each, and how many people took part"),
        [("month", _("Month"))]
        + [(c, channel_label(c)) for c in CHANNELS]
        + [("people", _("People"))],
        [[p.month, *(p.acts[c] for c in CHANNELS), p.people] for p in d.participation],
    )


def _sources(d: Dashboard) -> Table:
    sources = list(d.participation[0].sources) if d.participation else []
    return Table(
        "sources",
        _("Ideas, comments and votes by where they came in: the site, or recorded by staff"),
        [("month", _("Month"))] + [(s, source_label(s)) for s in sources],
        [[p.month, *(p.sources.get(s, 0) for s in sources)] for p in d.participation],
    )


def _origins(d: Dashboard) -> Table:
    origins = list(d.participation[0].origins) if d.participation else []
    return Table(
        "origins",
        _("Ideas by whom they came from: patrons or the library"),
        [("month", _("Month"))] + [(o, origin_label(o)) for o in origins],
        [[p.month, *(p.origins[o] for o in origins)] for p in d.participation],
    )


def _groups(d: Dashboard) -> Table:
    return Table(
        "groups",
        _("People taking part, by user group"),
        [("month", _("Month"))] + [(g or "not_given", group_label(g)) for g in GROUPS],
        [[p.month, *(p.groups[g] for g in GROUPS)] for p in d.participation],
    )


def _response_times(d: Dashboard) -> Table:
    return Table(
        "response_times",
        _("First staff responses to ideas, against the promise of %(n)s days", n=d.answer_days),
        [
            ("month", _("Month")),
            ("ideas", _("Ideas")),
            ("median_days", _("Median days to a first response")),
            ("share_within_promise", _("Per cent answered within the promise")),
        ],
        [
            [
                m.month,
                m.ideas,
                m.median_days_to_response,
                None if m.answered_within is None else round(100 * m.answered_within),
            ]
            for m in d.response_times
        ],
    )


def _follow_up_decisions(d: Dashboard) -> Table:
    return Table(
        "follow_up_decisions",
        _('Follow-up ratings by decision ("Did this change help you?", 1 to 5)'),
        [("decision", _("Decision")), ("title", _("Title")), ("n", "n"), ("mean", _("Mean"))],
        [[r.key, r.title, r.n, r.mean] for r in d.follow_up_by_decision],
    )


def _follow_up_months(d: Dashboard) -> Table:
    return Table(
        "follow_up_months",
        _("Follow-up ratings by month (1 to 5)"),
        [("month", _("Month")), ("n", "n"), ("mean", _("Mean"))],
        [[r.key, r.n, r.mean] for r in d.follow_up_by_month],
    )


def _trends(d: Dashboard) -> Table:
    return Table(
        "survey_trends",
        _("Survey dimensions round by round: responses and mean score"),
        [
            ("survey", _("Survey")),
            ("round", _("Round")),
            ("opens_on", _("Opens")),
            ("dimension", _("Dimension")),
            ("n", "n"),
            ("mean", _("Mean")),
        ],
        [
            [t.survey_title, t.round_id, t.opens_at.date().isoformat(), t.dimension, t.n, t.mean]
            for t in d.trends
        ],
    )


def _themes(d: Dashboard) -> Table:
    return Table(
        "story_themes",
        _("Impact stories by theme"),
        [
            ("theme", _("Theme")),
            ("name", _("Name")),
            ("stories", _("Stories")),
            ("published", _("Published")),
        ],
        [[t.code, local_text(t, "name"), t.stories, t.published] for t in d.themes],
    )


BUILDERS = (
    _participation,
    _sources,
    _origins,
    _groups,
    _response_times,
    _follow_up_decisions,
    _follow_up_months,
    _trends,
    _themes,
)
NAMES = (
    "participation",
    "sources",
    "origins",
    "groups",
    "response_times",
    "follow_up_decisions",
    "follow_up_months",
    "survey_trends",
    "story_themes",
)


def tables(d: Dashboard) -> list[Table]:
    """Every table of the dashboard, in the page's order."""
    return [build(d) for build in BUILDERS]
