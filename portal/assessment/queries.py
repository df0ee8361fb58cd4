"""The scorecard's figures, computed in SQL on SQLite and PostgreSQL alike.

Medians use window functions (ROW_NUMBER over the ordered values, then the middle one or
two), which both databases have; only date arithmetic and month keys differ by dialect.
Assessment reads across domains by design: it is a report over the whole chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session

from portal.core.clock import utcnow

WINDOW_DAYS = 365
ANSWER_DAYS = 14  # the promise when none is given (the site's settings hold the library's)


def _sql(dialect: str) -> dict[str, str]:
    if dialect == "postgresql":
        return {
            "days": "EXTRACT(EPOCH FROM ({a} - {b})) / 86400.0",
            "month": "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM')",
        }
    return {
        "days": "(julianday({a}) - julianday({b}))",
        "month": "strftime('%Y-%m', {col})",
    }


# Ideas, comments and votes of the window by where they came in, as (source, kind, n).
BY_SOURCE = """
    SELECT source, kind, COUNT(*) FROM (
        SELECT source, 'ideas' AS kind FROM idea WHERE created_at >= :since
        UNION ALL SELECT source, 'comments' FROM comment WHERE created_at >= :since
        UNION ALL SELECT source, 'votes' FROM vote WHERE created_at >= :since
        UNION ALL SELECT source, 'votes' FROM desk_vote WHERE created_at >= :since
    ) AS x GROUP BY source, kind
"""


@dataclass
class Figures:
    ideas: int = 0
    median_days_to_response: float | None = None
    # Share 0..1 of the ideas at least `answer_days` old that were answered within that many.
    answered_within: float | None = None
    answer_days: int = ANSWER_DAYS
    median_days_to_decision: float | None = None
    decisions_by_outcome: dict[str, int] = field(default_factory=dict)
    # {source: {"ideas", "comments", "votes": n}}: where contributions came in (the site, the
    # desk, a card...); votes include those recorded for people without an account.
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Month:
    month: str
    ideas: int = 0
    median_days_to_response: float | None = None
    answered_within: float | None = None
    decisions: int = 0


def _median_by(db: Session, values_sql: str, params: dict) -> dict[str, float]:
    """Median of `value` per `bucket` from a subquery selecting (bucket, value)."""
    rows = db.execute(
        text(f"""
        WITH v AS ({values_sql}),
        r AS (SELECT bucket, value,
                     ROW_NUMBER() OVER (PARTITION BY bucket ORDER BY value) AS rn,
                     COUNT(*) OVER (PARTITION BY bucket) AS cnt
              FROM v)
        SELECT bucket, AVG(value) FROM r
        WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
        GROUP BY bucket
    """),
        params,
    ).all()
    return {b: round(float(m), 1) for b, m in rows}


def scorecard(
    db: Session, now: datetime | None = None, answer_days: int = ANSWER_DAYS
) -> tuple[Figures, list[Month]]:
    """Figures over the last 12 months, and the same per month, newest month first.
    `answer_days` is the library's response promise: the share of ideas answered within it."""
    now = now or utcnow()
    since = now - timedelta(days=WINDOW_DAYS)
    old_enough = now - timedelta(days=answer_days)
    dialect = db.get_bind().dialect.name
    if dialect == "sqlite":  # stored as naive UTC text; compare like with like
        since, old_enough = since.replace(tzinfo=None), old_enough.replace(tzinfo=None)
    f = _sql(dialect)
    days_resp = f["days"].format(a="first_response_at", b="created_at")
    month = f["month"].format(col="created_at")
    params = {"since": since, "old": old_enough, "limit": answer_days}

    def both(values: str) -> tuple[float | None, dict[str, float]]:
        overall = _median_by(db, values.replace("{bucket}", "'all'"), params).get("all")
        return overall, _median_by(db, values.replace("{bucket}", month), params)

    resp_all, resp_month = both(
        f"SELECT {{bucket}} AS bucket, {days_resp} AS value FROM idea "
        "WHERE created_at >= :since AND first_response_at IS NOT NULL"
    )

    days_dec = f["days"].format(a="first_decision", b="created_at")
    dec_values = (
        "SELECT {bucket} AS bucket, " + days_dec + " AS value FROM ("
        " SELECT idea.created_at AS created_at, MIN(decision.published_at) AS first_decision"
        " FROM idea JOIN decision_idea ON decision_idea.idea_id = idea.id"
        " JOIN decision ON decision.id = decision_idea.decision_id"
        " WHERE idea.created_at >= :since GROUP BY idea.id, idea.created_at) AS x"
    )
    dec_all = _median_by(db, dec_values.replace("{bucket}", "'all'"), params).get("all")

    counts = db.execute(
        text(f"""
        SELECT {month} AS bucket, COUNT(*) AS ideas,
               SUM(CASE WHEN created_at < :old THEN 1 ELSE 0 END) AS old,
               SUM(CASE WHEN created_at < :old AND first_response_at IS NOT NULL
                        AND {days_resp} <= :limit THEN 1 ELSE 0 END) AS answered
        FROM idea WHERE created_at >= :since GROUP BY {month}
    """),
        params,
    ).all()
    decision_month = f["month"].format(col="published_at")
    decisions_per_month = dict(
        db.execute(
            text(f"""
        SELECT {decision_month}, COUNT(*) FROM decision WHERE published_at >= :since
        GROUP BY {decision_month}
    """),
            params,
        ).all()
    )
    outcomes = dict(
        db.execute(
            text(
                "SELECT outcome, COUNT(*) FROM decision WHERE published_at >= :since GROUP BY outcome"
            ),
            params,
        ).all()
    )

    by_source: dict[str, dict[str, int]] = {}
    for source, kind, n in db.execute(text(BY_SOURCE), params).all():
        by_source.setdefault(source, dict.fromkeys(("ideas", "comments", "votes"), 0))[kind] = int(
            n
        )

    months: dict[str, Month] = {}
    total = old_total = answered_total = 0
    for bucket, ideas, old, answered in counts:
        old, answered = int(old or 0), int(answered or 0)
        months[bucket] = Month(
            bucket,
            ideas=int(ideas),
            median_days_to_response=resp_month.get(bucket),
            answered_within=(answered / old) if old else None,
        )
        total += int(ideas)
        old_total += old
        answered_total += answered
    for bucket, n in decisions_per_month.items():
        months.setdefault(bucket, Month(bucket)).decisions = int(n)
    figures = Figures(
        ideas=total,
        median_days_to_response=resp_all,
        answered_within=(answered_total / old_total) if old_total else None,
        answer_days=answer_days,
        median_days_to_decision=dec_all,
        decisions_by_outcome={k: int(v) for k, v in outcomes.items()},
        by_source=by_source,
    )
    return figures, sorted(months.values(), key=lambda m: m.month, reverse=True)
