"""The demo's assessment data: people's user groups, a three-column (LibQUAL+-like) survey with
a baseline round before the opening-hours pilot and a follow-up round after it (both closed
and published, over 40 answers each), a round open now to everyone, and impact stories coded
with themes and linked to the pilot's decision.

Answers go through the surveys' own services while a round is open, as a person's would;
the round and its answers are then moved to the past, as the demo moves its ideas. Seeded,
so every run writes the same numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlmodel import Session, col

from portal.accounts import services as accounts
from portal.accounts.models import USER_GROUPS, User
from portal.core.clock import utcnow
from portal.stories import services as stories
from portal.surveys import answering, queries, services
from portal.surveys.models import Response, Round

RESPONDENTS = 48  # people who answer each closed round (some answer both, some one)
# How the demo's people are spread over the groups ("" : prefer not to say).
GROUP_WEIGHTS = {
    "undergraduate": 40,
    "postgraduate": 22,
    "researcher": 12,
    "staff": 6,
    "community": 8,
    "distance": 6,
    "": 6,
}
PILOT_DIMENSION = "space"  # the opening-hours pilot is about the library as a place
NOT_APPLICABLE = 0.06  # share of items a person marks "not applicable"

THEMES = [
    ("exam-study", "Studying for exams", "备考学习"),
    ("late-hours", "Late opening hours", "延长开放时间"),
    ("wellbeing", "Wellbeing", "身心健康"),
]

STORIES = [
    (
        "During the last exam weeks I stayed in the library until midnight four nights in a row.",
        "I planned my revision around the late hours instead of working in my noisy flat.",
        "I finished my revision plan a week early and passed the statistics exam I had failed.",
        ("exam-study", "late-hours"),
    ),
    (
        "I work days, so the evening hours in exam weeks were the only time I could come in.",
        "I booked a desk after my shift and used the quiet floor for three hours each night.",
        "For the first time I handed in every assignment of the term on time.",
        ("late-hours", "wellbeing"),
    ),
    (
        "A librarian showed me the quiet floor late one evening when I was close to giving up.",
        "I came back every evening that week and studied with two people from my course.",
        "I felt much less alone with the exams, and we still study together.",
        ("wellbeing", "exam-study"),
    ),
]


@dataclass(frozen=True)
class Seeded:
    survey_id: int
    baseline_round_id: int
    follow_up_round_id: int
    open_round_id: int


def _day(at: datetime) -> str:
    return at.date().isoformat()


def set_groups(s: Session, rng: random.Random, people: list[User]) -> None:
    """Give the demo's people user groups (staff accounts: the institution's staff)."""
    groups, weights = list(GROUP_WEIGHTS), list(GROUP_WEIGHTS.values())
    for person in people:
        group = "staff" if person.is_staff else rng.choices(groups, weights)[0]
        assert group == "" or group in USER_GROUPS
        s.execute(update(User).where(col(User.id) == person.id).values(user_group=group))
        person.user_group = group


def _rating(rng: random.Random, mean: float, sd: float) -> int:
    return max(1, min(9, round(rng.gauss(mean, sd))))


def _answers(
    rng: random.Random, shape: queries.Structure, person: User, follow_up: bool
) -> dict[str, str]:
    """One person's form: minimum, desired and perceived per item, a few "not applicable";
    perceived service of the pilot's dimension better after the pilot. A person's own
    leniency and their view of each dimension run through their ratings, as in real answers
    (so the items of a dimension hang together)."""
    form = {"group": person.user_group if rng.random() < 0.85 else ""}
    codes = {d.id: d.code for d in shape.dimensions}
    leniency, expects = rng.gauss(0, 0.9), rng.gauss(0, 0.6)
    view = {d.id: rng.gauss(0, 0.7) for d in shape.dimensions}
    for item in shape.all_items:
        if rng.random() < NOT_APPLICABLE:
            for column in ("minimum", "desired", "perceived"):
                form[f"r-{item.id}-{column}"] = "na"
            continue
        minimum = _rating(rng, 5.2 + expects, 0.8)
        desired = max(minimum, _rating(rng, 7.8 + expects, 0.6))
        lift = 1.2 if follow_up and codes[item.dimension_id] == PILOT_DIMENSION else 0.0
        perceived = _rating(rng, 6.0 + lift + leniency + view[item.dimension_id], 0.7)
        form[f"r-{item.id}-minimum"] = str(minimum)
        form[f"r-{item.id}-desired"] = str(desired)
        form[f"r-{item.id}-perceived"] = str(perceived)
    return form


def _closed_round(
    s: Session,
    rng: random.Random,
    staff: User,
    survey_id: int,
    people: list[User],
    window: tuple[date, date],
    follow_up: bool,
) -> int:
    """A round answered by `people` through the real form service, then moved to `window`
    (its first and last day, in the past) and published."""
    today = utcnow().date().isoformat()
    rnd = services.add_round(
        db=s,
        actor=staff,
        survey_id=survey_id,
        form={"opens": today, "closes": today, "audience": "everyone"},
    )
    found = queries.get(s, survey_id)
    assert found is not None
    shape = queries.structure(s, found)
    for person in people:
        answering.answer(
            db=s, actor=person, survey_id=survey_id, form=_answers(rng, shape, person, follow_up)
        )
    opens = datetime.combine(window[0], time(), UTC)
    closes = datetime.combine(window[1] + timedelta(days=1), time(), UTC)
    # Invited when it opened, so the worker does not invite anyone to a round long closed.
    s.execute(
        update(Round)
        .where(col(Round.id) == rnd.id)
        .values(opens_at=opens, closes_at=closes, invited_at=opens)
    )
    span = int((closes - opens).total_seconds()) - 3600
    answered = s.execute(select(col(Response.id)).where(col(Response.round_id) == rnd.id))
    for response_id in answered.scalars().all():
        at = opens + timedelta(seconds=rng.randint(3600, span))
        s.execute(
            update(Response)
            .where(col(Response.id) == response_id)
            .values(submitted_at=at, updated_at=at)
        )
    services.publish_round(db=s, actor=staff, round_id=rnd.id)
    return rnd.id


def _stories(
    s: Session, staff: User, tellers: list[User], decision_id: int, category_id: int
) -> None:
    """Published stories, coded with themes and linked to the pilot's decision."""
    themes = {
        code: stories.add_theme(db=s, actor=staff, code=code, name=name, name_zh=name_zh).id
        for code, name, name_zh in THEMES
    }
    for teller, (happened, did, changed, codes) in zip(tellers, STORIES, strict=False):
        story = stories.tell(
            db=s,
            actor=teller,
            happened=happened,
            did=did,
            changed=changed,
            category_id=str(category_id),
            consent=True,
        )
        stories.code(
            db=s, actor=staff, story_id=story.id, theme_ids=[str(themes[c]) for c in codes]
        )
        stories.link(db=s, actor=staff, story_id=story.id, decisions=str(decision_id), ideas="")
        stories.publish(db=s, actor=staff, story_id=story.id)


def seed(
    s: Session,
    rng: random.Random,
    *,
    staff: User,
    people: list[User],
    password: str,
    password_hash: str,
    pilot_start: date,
    pilot_end: date,
    decision_id: int,
    category_id: int,
) -> Seeded:
    """Everything above, around the pilot from `pilot_start` to `pilot_end` (both past); the
    stories are about the service of `category_id`.
    Returns the survey and its rounds: the baseline and follow-up rounds are the pilot's."""
    more = [
        accounts.create_user(
            db=s,
            email=f"respondent{i}@example.org",
            display_name=f"Respondent {i}",
            password=password,
            password_hash=password_hash,
        )
        for i in range(1, RESPONDENTS + 1)
    ]
    everyone = [*people, *more]
    set_groups(s, rng, [staff, *everyone])
    survey = services.create_from_starter(db=s, actor=staff, starter="three")
    baseline = _closed_round(
        s,
        rng,
        staff,
        survey.id,
        rng.sample(everyone, RESPONDENTS),
        (pilot_start - timedelta(days=16), pilot_start - timedelta(days=3)),
        follow_up=False,
    )
    follow_up = _closed_round(
        s,
        rng,
        staff,
        survey.id,
        rng.sample(everyone, RESPONDENTS - 3),
        (pilot_end + timedelta(days=1), pilot_end + timedelta(days=14)),
        follow_up=True,
    )
    today = utcnow().date()
    now_open = services.add_round(
        db=s,
        actor=staff,
        survey_id=survey.id,
        form={
            "opens": today.isoformat(),
            "closes": (today + timedelta(days=20)).isoformat(),
            "audience": "everyone",
        },
    )
    _stories(s, staff, everyone[: len(STORIES)], decision_id, category_id)
    return Seeded(survey.id, baseline, follow_up, now_open.id)
