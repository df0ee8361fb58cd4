"""Reads of the surveys domain: instruments and their parts, rounds and who they ask, a
person's response, and a round's ratings for the results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, func, literal, select, union_all
from sqlmodel import Session, col

from portal.core.clock import utcnow
from portal.surveys import audiences
from portal.surveys.models import (
    COLUMNS,
    Answer,
    Dimension,
    Invitation,
    Item,
    Question,
    Response,
    Round,
    RoundSource,
    Survey,
    TextAnswer,
)
from portal.surveys.results import RoundRatings, RoundResult, summarize


@dataclass
class Structure:
    """An instrument with its parts, in order."""

    survey: Survey
    dimensions: list[Dimension]
    items: dict[int, list[Item]]  # by dimension id
    questions: list[Question]

    @property
    def all_items(self) -> list[Item]:
        return [item for d in self.dimensions for item in self.items.get(d.id, [])]


def listing(db: Session) -> list[Survey]:
    """Every instrument, newest first."""
    return list(db.execute(select(Survey).order_by(col(Survey.id).desc())).scalars())


def get(db: Session, survey_id: int) -> Survey | None:
    """One instrument by id."""
    return db.get(Survey, survey_id)


def structure(db: Session, survey: Survey) -> Structure:
    """An instrument's dimensions, items and questions, in three queries."""
    dims = list(
        db.execute(
            select(Dimension)
            .where(col(Dimension.survey_id) == survey.id)
            .order_by(col(Dimension.position), col(Dimension.id))
        ).scalars()
    )
    items: dict[int, list[Item]] = {d.id: [] for d in dims}
    for item in db.execute(
        select(Item)
        .where(col(Item.survey_id) == survey.id)
        .order_by(col(Item.position), col(Item.id))
    ).scalars():
        items.setdefault(item.dimension_id, []).append(item)
    questions = list(
        db.execute(
            select(Question)
            .where(col(Question.survey_id) == survey.id)
            .order_by(col(Question.position), col(Question.id))
        ).scalars()
    )
    return Structure(survey, dims, items, questions)


def has_responses(db: Session, survey_id: int) -> bool:
    """Whether any round of the instrument has a response (a draft counts)."""
    return (
        db.execute(
            select(col(Response.id))
            .join(Round, col(Round.id) == col(Response.round_id))
            .where(col(Round.survey_id) == survey_id)
            .limit(1)
        ).first()
        is not None
    )


def rounds(db: Session, survey_id: int) -> list[Round]:
    """An instrument's rounds, newest first."""
    return list(
        db.execute(
            select(Round)
            .where(col(Round.survey_id) == survey_id)
            .order_by(col(Round.opens_at).desc())
        ).scalars()
    )


def get_round(db: Session, round_id: int) -> Round | None:
    """One round by id."""
    return db.get(Round, round_id)


def open_round(db: Session, survey_id: int, now: datetime | None = None) -> Round | None:
    """The instrument's round that is open now (rounds of one instrument never overlap)."""
    now = now or utcnow()
    return db.execute(
        select(Round)
        .where(
            col(Round.survey_id) == survey_id,
            col(Round.opens_at) <= now,
            col(Round.closes_at) > now,
        )
        .order_by(col(Round.opens_at).desc())
        .limit(1)
    ).scalar_one_or_none()


def sources(db: Session, round_id: int) -> list[tuple[str, int]]:
    """The ideas, sessions and decisions whose people a round asks, as (kind, id)."""
    return [
        (kind, ref)
        for kind, ref in db.execute(
            select(col(RoundSource.kind), col(RoundSource.ref_id))
            .where(col(RoundSource.round_id) == round_id)
            .order_by(col(RoundSource.kind), col(RoundSource.ref_id))
        ).all()
    ]


def audience_select(db: Session, rnd: Round) -> Select:
    """A SELECT of the ids of the people the round asks."""
    return audiences.people_select(db, rnd.audience, sources(db, rnd.id))


def in_audience(db: Session, rnd: Round, user_id: int | None) -> bool:
    """Whether the round asks this person (now, or by an invitation it sent them)."""
    if user_id is None:
        return False
    people = audience_select(db, rnd).subquery()
    if db.execute(select(people.c[0]).where(people.c[0] == user_id).limit(1)).first():
        return True
    return invitation_of(db, rnd.id, user_id) is not None


def invitation_of(db: Session, round_id: int, user_id: int) -> Invitation | None:
    """A person's invitation to a round."""
    return db.execute(
        select(Invitation).where(
            col(Invitation.round_id) == round_id, col(Invitation.user_id) == user_id
        )
    ).scalar_one_or_none()


def open_for(db: Session, user_id: int | None) -> list[tuple[Survey, Round]]:
    """The rounds open now that ask this person, with their instruments, closing first: at most
    four statements, however many rounds are open (the rounds, their sources, the person's
    invitations, and one look at every audience)."""
    if user_id is None:
        return []
    now = utcnow()
    rows = db.execute(
        select(Survey, Round)
        .join(Round, col(Round.survey_id) == col(Survey.id))
        .where(col(Round.opens_at) <= now, col(Round.closes_at) > now)
        .order_by(col(Round.closes_at), col(Round.id))
    ).all()
    if not rows:
        return []
    ids = [r.id for _, r in rows]
    found: dict[int, list[tuple[str, int]]] = {i: [] for i in ids}
    for round_id, kind, ref in db.execute(
        select(col(RoundSource.round_id), col(RoundSource.kind), col(RoundSource.ref_id))
        .where(col(RoundSource.round_id).in_(ids))
        .order_by(col(RoundSource.kind), col(RoundSource.ref_id))
    ).all():
        found[round_id].append((kind, ref))
    asked = set(
        db.execute(
            select(col(Invitation.round_id)).where(
                col(Invitation.round_id).in_(ids), col(Invitation.user_id) == user_id
            )
        ).scalars()
    )
    looks = []
    for _, r in rows:
        if r.id not in asked:
            people = audiences.people_select(db, r.audience, found[r.id]).subquery()
            looks.append(
                select(literal(r.id)).where(
                    exists(select(people.c[0]).where(people.c[0] == user_id))
                )
            )
    if looks:
        asked.update(db.execute(union_all(*looks)).scalars())
    return [(s, r) for s, r in rows if r.id in asked]


def published(db: Session) -> list[tuple[Survey, Round]]:
    """Rounds whose results staff have published, newest first."""
    rows = db.execute(
        select(Survey, Round)
        .join(Round, col(Round.survey_id) == col(Survey.id))
        .where(col(Round.published_at).is_not(None))
        .order_by(col(Round.published_at).desc())
    ).all()
    return [(s, r) for s, r in rows]


def response_of(db: Session, round_id: int, user_id: int | None) -> Response | None:
    """A person's response (or draft) to a round."""
    if user_id is None:
        return None
    return db.execute(
        select(Response).where(col(Response.round_id) == round_id, col(Response.user_id) == user_id)
    ).scalar_one_or_none()


def answers_of(db: Session, response_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """A response's ratings as form values (`r-<item>-<column>`: "1".."9" or "na") and its
    free-text answers (`t-<question>`)."""
    ratings = {
        f"r-{item_id}-{column}": "na" if value is None else str(value)
        for item_id, column, value in db.execute(
            select(col(Answer.item_id), col(Answer.column), col(Answer.value)).where(
                col(Answer.response_id) == response_id
            )
        ).all()
    }
    texts = {
        f"t-{question_id}": text
        for question_id, text in db.execute(
            select(col(TextAnswer.question_id), col(TextAnswer.text)).where(
                col(TextAnswer.response_id) == response_id
            )
        ).all()
    }
    return ratings, texts


def response_counts(db: Session, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(submitted, drafts) per round."""
    counts: dict[int, tuple[int, int]] = {r: (0, 0) for r in round_ids}
    if not round_ids:
        return counts
    for round_id, is_draft, n in db.execute(
        select(col(Response.round_id), col(Response.is_draft), func.count())
        .where(col(Response.round_id).in_(round_ids))
        .group_by(col(Response.round_id), col(Response.is_draft))
    ).all():
        done, drafts = counts[round_id]
        counts[round_id] = (done, drafts + n) if is_draft else (done + n, drafts)
    return counts


def invitation_counts(db: Session, round_id: int) -> tuple[int, int]:
    """(invited, answered) of a round."""
    invited, used = db.execute(
        select(func.count(), func.count(col(Invitation.used_at))).where(
            col(Invitation.round_id) == round_id
        )
    ).one()
    return int(invited), int(used)


def round_ratings(db: Session, round_id: int) -> RoundRatings:
    """Per item code, the complete responses' values per column, and each response's user
    group: what the results page feeds to the statistics. Three queries, however many
    responses and items."""
    out = RoundRatings()
    rnd = db.get(Round, round_id)
    if rnd is None:
        return out
    for response_id, group, submitted_at in db.execute(
        select(col(Response.id), col(Response.group), col(Response.submitted_at))
        .where(col(Response.round_id) == round_id, col(Response.is_draft).is_(False))
        .order_by(col(Response.id))
    ).all():
        out.response_ids.append(response_id)
        out.groups.append(group)
        out.submitted.append(submitted_at.date() if submitted_at else None)
    position = {r: i for i, r in enumerate(out.response_ids)}
    columns = _columns(db, rnd.survey_id)
    for dim_code, item_code in db.execute(
        select(col(Dimension.code), col(Item.code))
        .join(Item, col(Item.dimension_id) == col(Dimension.id))
        .where(col(Dimension.survey_id) == rnd.survey_id)
        .order_by(col(Dimension.position), col(Dimension.id), col(Item.position), col(Item.id))
    ).all():
        out.dimensions.setdefault(dim_code, []).append(item_code)
        out.values[item_code] = {c: [None] * len(position) for c in columns}
    for response_id, item_code, column, value in db.execute(
        select(col(Answer.response_id), col(Item.code), col(Answer.column), col(Answer.value))
        .join(Item, col(Item.id) == col(Answer.item_id))
        .where(col(Answer.round_id) == round_id)
    ).all():
        index = position.get(response_id)
        if index is not None and column in out.values.get(item_code, {}):
            out.values[item_code][column][index] = value
    return out


def round_results(db: Session, rnd: Round, *, merge_groups: bool) -> RoundResult:
    """A round's results (`results.summarize` over `round_ratings`); `merge_groups` for what
    the public reads: user groups under five merged into "other"."""
    survey = db.get(Survey, rnd.survey_id)
    three = survey is not None and survey.scale == "three"
    return summarize(round_ratings(db, rnd.id), three=three, merge_groups=merge_groups)


def _columns(db: Session, survey_id: int) -> tuple[str, ...]:
    scale = db.execute(select(col(Survey.scale)).where(col(Survey.id) == survey_id)).scalar_one()
    return COLUMNS.get(scale, ("rating",))


def invitation_by_token(db: Session, token_hash: str) -> Invitation | None:
    """The invitation whose one-time link has this hash."""
    return db.execute(
        select(Invitation).where(col(Invitation.token_hash) == token_hash)
    ).scalar_one_or_none()


def rounds_to_invite(db: Session, limit: int = 20) -> list[Round]:
    """Rounds open now whose invitations have not been queued yet."""
    now = utcnow()
    return list(
        db.execute(
            select(Round)
            .where(
                col(Round.invited_at).is_(None),
                col(Round.opens_at) <= now,
                col(Round.closes_at) > now,
            )
            .order_by(col(Round.id))
            .limit(limit)
        ).scalars()
    )


def due_reminders(db: Session, before_close: timedelta, limit: int = 500) -> list[Invitation]:
    """Invitations to rounds closing within `before_close` (a timedelta) that are unused and
    not reminded yet."""
    now = utcnow()
    return list(
        db.execute(
            select(Invitation)
            .join(Round, col(Round.id) == col(Invitation.round_id))
            .where(
                col(Round.invited_at).is_not(None),
                col(Round.closes_at) > now,
                col(Round.closes_at) <= now + before_close,
                col(Invitation.used_at).is_(None),
                col(Invitation.reminded_at).is_(None),
                col(Invitation.user_id).is_not(None),
            )
            .order_by(col(Invitation.id))
            .limit(limit)
        ).scalars()
    )


@dataclass(frozen=True)
class DimensionTrend:
    """One dimension's score in one round: n responses that rated any of its items, and the
    mean of their scores (as on the results page: each response's mean over the dimension's
    items it rated, perceived service for three columns)."""

    survey_id: int
    survey_title: str
    round_id: int
    opens_at: datetime
    dimension: str
    dimension_name: str
    n: int
    mean: float


def dimension_trends(db: Session) -> list[DimensionTrend]:
    """Every survey's dimensions' scores per round, oldest round first, in one query however
    many surveys, rounds and responses (the staff assessment dashboard)."""
    scores = (
        select(
            col(Answer.round_id).label("round_id"),
            col(Item.dimension_id).label("dimension_id"),
            func.avg(col(Answer.value)).label("score"),
        )
        .join(Item, col(Item.id) == col(Answer.item_id))
        .join(Response, col(Response.id) == col(Answer.response_id))
        .where(
            col(Response.is_draft).is_(False),
            col(Answer.value).is_not(None),
            col(Answer.column).in_(("rating", "perceived")),
        )
        .group_by(col(Answer.round_id), col(Item.dimension_id), col(Answer.response_id))
        .subquery()
    )
    rows = db.execute(
        select(
            col(Survey.id),
            col(Survey.title),
            col(Round.id),
            col(Round.opens_at),
            col(Dimension.code),
            col(Dimension.name),
            func.count(),
            func.avg(scores.c.score),
        )
        .select_from(scores)
        .join(Round, col(Round.id) == scores.c.round_id)
        .join(Survey, col(Survey.id) == col(Round.survey_id))
        .join(Dimension, col(Dimension.id) == scores.c.dimension_id)
        .group_by(
            col(Survey.id),
            col(Survey.title),
            col(Round.id),
            col(Round.opens_at),
            col(Dimension.id),
            col(Dimension.code),
            col(Dimension.name),
            col(Dimension.position),
        )
        .order_by(col(Survey.id), col(Round.opens_at), col(Dimension.position), col(Dimension.id))
    ).all()
    return [
        DimensionTrend(s, t, r, o, code, name, int(n), round(float(mean), 2))
        for s, t, r, o, code, name, n, mean in rows
    ]
