"""The staff assessment dashboard's figures: participation by channel, by source (the site, the
desk, a card, the phone, a chat), ideas by origin, participation by user group,
response times against the promise, follow-up ratings, survey dimension trends and stories by
theme, over the last 12 calendar months.

Each figure is one SQL query (grouped in the database), so the page reads a fixed number of
queries however many rows there are; SQL that differs by dialect is only the month key.
Like the scorecard, assessment reads across domains by design; survey scores and story
themes come from those domains' own queries. No figure names a person: people are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from portal.accounts.models import USER_GROUPS
from portal.assessment import queries
from portal.core.clock import utcnow
from portal.ideas.models import ORIGINS, SOURCES
from portal.stories import queries as stories_q
from portal.surveys import queries as surveys_q

CHANNELS = ("ideas", "comments", "votes", "survey_responses", "stories", "session_signups")
GROUPS = (*USER_GROUPS, "")  # "" : not given (prefer not to say, or no account any more)

# One row per act of taking part: (channel, when, who, the group a survey answer gave).
# Votes of deleted accounts and anonymous survey answers have no person: they count as acts,
# not as people. Every session sign-up counts, a place or the waitlist, even if later given up.
EVENTS = """
    SELECT 'ideas' AS channel, created_at AS at, author_id AS user_id, '' AS said
      FROM idea WHERE created_at >= :since
    UNION ALL SELECT 'comments', created_at, author_id, '' FROM comment
      WHERE created_at >= :since
    UNION ALL SELECT 'votes', created_at, user_id, '' FROM vote WHERE created_at >= :since
    UNION ALL SELECT 'survey_responses', submitted_at, user_id, "group" FROM survey_response
      WHERE is_draft = :no AND submitted_at >= :since
    UNION ALL SELECT 'stories', created_at, author_id, '' FROM story WHERE created_at >= :since
    UNION ALL SELECT 'session_signups', queued_at, user_id, '' FROM registration
      WHERE queued_at >= :since
"""

# One row per idea, comment and vote with where it came in; votes recorded at the desk for
# people without an account (portal.votes.models.DeskVote) count as acts of their channel too.
SOURCED = """
    SELECT created_at AS at, source FROM idea WHERE created_at >= :since
    UNION ALL SELECT created_at, source FROM comment WHERE created_at >= :since
    UNION ALL SELECT created_at, source FROM vote WHERE created_at >= :since
    UNION ALL SELECT created_at, source FROM desk_vote WHERE created_at >= :since
"""


def month_key(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')"
    return f"strftime('%Y-%m', {column})"


def last_months(now: datetime, count: int = 12) -> list[str]:
    """The `count` calendar months up to `now`'s, oldest first, as "YYYY-MM"."""
    year, month = now.year, now.month
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return keys[::-1]


@dataclass
class Participation:
    month: str
    acts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    people: int = 0  # distinct people who took part in any way that month
    # Ideas, comments and votes by where they came in (the site, the desk, a card...).
    sources: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SOURCES, 0))
    origins: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ORIGINS, 0))
    groups: dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))


@dataclass(frozen=True)
class Rating:
    key: str  # a month, or a decision's number
    title: str  # the decision's title ("" for a month)
    n: int
    mean: float


@dataclass
class Dashboard:
    months: list[str]
    participation: list[Participation]
    response_times: list[queries.Month]
    answer_days: int
    follow_up_by_decision: list[Rating]
    follow_up_by_month: list[Rating]
    trends: list[surveys_q.DimensionTrend]
    themes: list[stories_q.ThemeCount]


def _participation(db: Session, dialect: str, months: list[str], params: dict) -> list:
    rows = {m: Participation(m) for m in months}
    month = month_key(dialect, "at")
    for key, channel, n in db.execute(
        text(f"SELECT {month}, channel, COUNT(*) FROM ({EVENTS}) AS e GROUP BY {month}, channel"),
        params,
    ).all():
        if key in rows:
            rows[key].acts[channel] = int(n)
    for key, n in db.execute(
        text(f"SELECT {month}, COUNT(DISTINCT user_id) FROM ({EVENTS}) AS e GROUP BY {month}"),
        params,
    ).all():
        if key in rows:
            rows[key].people = int(n)
    # A person's group: what they said in that survey answer, else what their account says.
    group = "CASE WHEN e.said <> '' THEN e.said ELSE COALESCE(u.user_group, '') END"
    for key, g, n in db.execute(
        text(
            f"SELECT {month}, {group}, COUNT(DISTINCT e.user_id) FROM ({EVENTS}) AS e"
            ' LEFT JOIN "user" AS u ON u.id = e.user_id'
            f" GROUP BY {month}, {group}"
        ),
        params,
    ).all():
        if key in rows and g in rows[key].groups:
            rows[key].groups[g] = int(n)
    idea_month = month_key(dialect, "created_at")
    for key, origin, n in db.execute(
        text(
            f"SELECT {idea_month}, origin, COUNT(*) FROM idea WHERE created_at >= :since"
            f" GROUP BY {idea_month}, origin"
        ),
        params,
    ).all():
        if key in rows:
            rows[key].origins[origin] = int(n)
    for key, source, n in db.execute(
        text(f"SELECT {month}, source, COUNT(*) FROM ({SOURCED}) AS e GROUP BY {month}, source"),
        params,
    ).all():
        if key in rows:  # a source added later (email, messaging) gets its column there
            rows[key].sources[source] = rows[key].sources.get(source, 0) + int(n)
    return list(rows.values())


def _follow_ups(db: Session, dialect: str, months: list[str], params: dict) -> tuple[list, list]:
    by_decision = [
        Rating(str(d), title, int(n), round(float(mean), 2))
        for d, title, n, mean in db.execute(
            text(
                "SELECT d.id, d.title, COUNT(*), AVG(f.rating) FROM follow_up AS f"
                " JOIN decision AS d ON d.id = f.decision_id"
                " GROUP BY d.id, d.title, d.published_at ORDER BY d.published_at DESC, d.id DESC"
            )
        ).all()
    ]
    month = month_key(dialect, "created_at")
    found = {
        key: (int(n), round(float(mean), 2))
        for key, n, mean in db.execute(
            text(
                f"SELECT {month}, COUNT(*), AVG(rating) FROM follow_up"
                f" WHERE created_at >= :since GROUP BY {month}"
            ),
            params,
        ).all()
    }
    by_month = [Rating(m, "", *found[m]) for m in months if m in found]
    return by_decision, by_month


def dashboard(db: Session, answer_days: int, now: datetime | None = None) -> Dashboard:
    """Everything /staff/assessment shows, for the 12 calendar months up to `now`'s."""
    now = now or utcnow()
    months = last_months(now)
    since = datetime(int(months[0][:4]), int(months[0][5:]), 1, tzinfo=now.tzinfo)
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":  # stored as naive UTC text; compare like with like
        since = since.replace(tzinfo=None)
    params = {"since": since, "no": False}
    _figures, scorecard_months = queries.scorecard(db, now, answer_days=answer_days)
    found = {m.month: m for m in scorecard_months}
    response_times = [found.get(m) or queries.Month(m) for m in months]
    by_decision, by_month = _follow_ups(db, dialect, months, params)
    return Dashboard(
        months=months,
        participation=_participation(db, dialect, months, params),
        response_times=response_times,
        answer_days=answer_days,
        follow_up_by_decision=by_decision,
        follow_up_by_month=by_month,
        trends=surveys_q.dimension_trends(db),
        themes=stories_q.theme_counts(db),
    )
