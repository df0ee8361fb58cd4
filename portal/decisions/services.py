"""Writes of the decisions domain: publish a decision, correct it, answer its follow-up,
record a review."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import linked_ids, number
from portal.core.i18n import _
from portal.decisions import permissions, queries
from portal.decisions.models import (
    OUTCOMES,
    Decision,
    DecisionIdea,
    DecisionRevision,
    DecisionTeam,
    DecisionWorkshop,
    FollowUp,
)
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.moderation import audit
from portal.notifications import queries as notifications_q
from portal.notifications import services as notifications
from portal.teams import queries as teams_q
from portal.workshops import queries as workshops_q

# What publishing does to the linked ideas' status, when staff ask for it.
IDEA_STATUS = {"adopted": "planned", "piloting": "piloting", "declined": "declined"}
LIMITS = {"title": 160, "you_said": 5000, "we_did": 5000, "reason": 3000}
DATES = ("pilot_start", "pilot_end", "review_date")


def _date(raw: str, name: str, errors: dict[str, str]) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = _("Enter a date like 2026-03-31.")
        return None


def _idea_ids(db: Session, raw: str, errors: dict[str, str]) -> list[int]:
    return linked_ids(
        raw,
        lambda ids: ideas_q.titles(db, ids),
        field="ideas",
        errors=errors,
        bad_format=_("Enter idea numbers separated by commas, like 12, 31."),
        missing=lambda ids: _("There is no idea number %(ids)s.", ids=ids),
    )


def _workshop_ids(db: Session, raw: str, errors: dict[str, str]) -> list[int]:
    return linked_ids(
        raw,
        lambda ids: workshops_q.titles(db, ids),
        field="sessions",
        errors=errors,
        bad_format=_("Enter session numbers separated by commas, like 3, 4."),
        missing=lambda ids: _("There is no session number %(ids)s.", ids=ids),
    )


def _team_ids(
    db: Session, raw: Iterable[str], errors: dict[str, str], keep: Iterable[int] = ()
) -> list[int]:
    """The responsible teams chosen (checkboxes): teams offered now, or ones the decision
    already names (an archived team stays on it)."""
    allowed = {t.id for t in teams_q.active(db)} | set(keep)
    tokens = list(raw)
    ids = [i for i in map(number, tokens) if i is not None and i in allowed]
    if len(ids) != len(tokens):
        errors["teams"] = _("Choose the responsible teams from the list.")
        return []
    return list(dict.fromkeys(ids))


@dataclass
class Fields:
    """A decision's form, checked: its texts and dates, and what it links to."""

    texts: dict[str, str]
    dates: dict[str, date | None]
    ideas: list[int]
    sessions: list[int]
    teams: list[int]


def _fields(
    db: Session,
    form: Mapping[str, str],
    outcome: str,
    teams: Iterable[str],
    keep_teams: Iterable[int] = (),
) -> Fields:
    """Check a decision's texts, dates and links for `outcome` (raise ValidationError)."""
    texts = {k: (form.get(k) or "").replace("\r\n", "\n").strip() for k in LIMITS}
    texts["title"] = " ".join(texts["title"].split())
    errors: dict[str, str] = {}
    if not texts["title"]:
        errors["title"] = _("Enter a title for the decision.")
    if not texts["you_said"]:
        errors["you_said"] = _("Say what people asked for.")
    if not texts["we_did"]:
        errors["we_did"] = _("Say what the library did or decided.")
    for key, limit in LIMITS.items():
        if len(texts[key]) > limit and key not in errors:
            errors[key] = _("Use at most %(n)s characters here.", n=limit)
        if "\x00" in texts[key]:
            errors.setdefault(key, _("Remove the invisible control characters from your text."))
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose the outcome.")
    elif outcome in ("declined", "deferred") and not texts["reason"]:
        errors["reason"] = _("Give the reason when a request is declined or deferred.")
    dates = {k: _date(form.get(k, ""), k, errors) for k in DATES}
    if outcome == "piloting":
        for key, message in (
            ("pilot_start", _("Enter when the pilot starts.")),
            ("pilot_end", _("Enter when the pilot ends.")),
            ("review_date", _("Enter when the pilot will be reviewed.")),
        ):
            if not dates[key] and key not in errors:
                errors[key] = message
        start, end = dates["pilot_start"], dates["pilot_end"]
        if start and end and end < start:
            errors["pilot_end"] = _("The pilot must end after it starts.")
    else:
        dates = dict.fromkeys(DATES)
    fields = Fields(
        texts=texts,
        dates=dates,
        ideas=_idea_ids(db, form.get("ideas", ""), errors),
        sessions=_workshop_ids(db, form.get("sessions", ""), errors),
        teams=_team_ids(db, teams, errors, keep_teams),
    )
    if errors:
        raise ValidationError(errors)
    return fields


def check(db: Session, form: Mapping[str, str], teams: Iterable[str] = ()) -> None:
    """Check a decision's form as publishing does (raise ValidationError): for drafts."""
    _fields(db, form, form.get("outcome", ""), teams)


def publish(
    *, db: Session, actor: User, form: Mapping[str, str], teams: Iterable[str] = ()
) -> Decision:
    """Publish a decision, link its ideas (optionally moving their status, with the decision
    as the public response), sessions and responsible teams, and queue the notification of
    everyone who took part."""
    if not permissions.can_publish(actor):
        raise Forbidden()
    outcome = form.get("outcome", "")
    fields = _fields(db, form, outcome, teams)
    # The keys of texts and dates are the names of the decision's columns.
    columns: dict[str, Any] = {**fields.texts, **fields.dates}
    decision = Decision(**columns, outcome=outcome, author_id=actor.id, published_at=utcnow())
    db.add(decision)
    db.flush()
    idea_ids = fields.ideas
    _link(db, decision, fields)
    # A decision about an idea answers it, whether or not its status moves.
    ideas.record_response(db=db, idea_ids=idea_ids, at=decision.published_at)
    new_status = IDEA_STATUS.get(outcome)
    if form.get("move_status") == "1" and new_status:
        if outcome == "adopted" and form.get("adopted_status") == "done":
            new_status = "done"
        for idea_id in idea_ids:
            idea = ideas_q.get(db, idea_id)
            if idea is not None and idea.status != new_status:
                ideas.change_status(
                    db=db,
                    actor=actor,
                    idea_id=idea_id,
                    status=new_status,
                    notify=False,
                    # Stored text is shown to every reader: no words in the staff's language.
                    response=f"**{decision.title}**\n\n{fields.texts['we_did']}",
                )
    notifications.emit(db, "decision", actor_id=actor.id, decision_id=decision.id)
    audit.record(
        db,
        actor,
        "publish_decision",
        "decision",
        decision.id,
        None,
        {
            "title": decision.title,
            "outcome": outcome,
            "ideas": idea_ids,
            "sessions": fields.sessions,
            "teams": fields.teams,
        },
    )
    return decision


def _link(db: Session, decision: Decision, fields: Fields) -> None:
    """Make the decision's links to ideas, sessions and teams exactly those of `fields`."""
    for model, key, wanted in (
        (DecisionIdea, "idea_id", fields.ideas),
        (DecisionWorkshop, "workshop_id", fields.sessions),
        (DecisionTeam, "team_id", fields.teams),
    ):
        column: Mapped[int] = getattr(model, key)
        mine = col(model.decision_id) == decision.id
        have = set(db.execute(select(column).where(mine)).scalars())
        gone = have - set(wanted)
        if gone:
            db.execute(delete(model).where(mine, column.in_(gone)))
        for target in wanted:
            if target not in have:
                db.add(model(decision_id=decision.id, **{key: target}))
    db.flush()


@dataclass
class Links:
    ideas: list[int]
    sessions: list[int]
    teams: list[int]


def current_links(db: Session, decision_id: int) -> Links:
    """What a decision links to now, in the order it was linked."""
    return Links(
        ideas=queries.idea_ids(db, decision_id),
        sessions=queries.workshop_ids(db, decision_id),
        teams=queries.team_ids(db, decision_id),
    )


def correct(
    *,
    db: Session,
    actor: User,
    decision_id: int,
    form: Mapping[str, str],
    teams: Iterable[str] = (),
) -> Decision:
    """Staff correct a published decision's texts, dates and links (a typo, a wrong link or
    date). The version it replaces is kept, whole, in its history. Its outcome stays, no
    idea's status moves, and nobody is notified: no event is written."""
    if not permissions.can_correct(actor):
        raise Forbidden()
    decision = db.execute(
        select(Decision).where(col(Decision.id) == decision_id).with_for_update()
    ).scalar_one_or_none()
    if decision is None:
        raise NotFound()
    before = current_links(db, decision.id)
    fields = _fields(db, form, decision.outcome, teams, keep_teams=before.teams)
    old = {k: getattr(decision, k) for k in (*LIMITS, *DATES)}
    new = {**fields.texts, **fields.dates}
    if old == new and before == Links(fields.ideas, fields.sessions, fields.teams):
        raise ValidationError(
            {"title": _("Nothing is changed. Correct something, or go back to the decision.")}
        )
    now = utcnow()
    db.add(
        DecisionRevision(
            decision_id=decision.id,
            **old,
            ideas=_numbers(before.ideas),
            sessions=_numbers(before.sessions),
            teams=_numbers(before.teams),
            replaced_at=now,
            replaced_by_id=actor.id,
        )
    )
    for key, value in new.items():
        setattr(decision, key, value)
    decision.corrected_at = now
    db.add(decision)
    _link(db, decision, fields)
    added = set(fields.ideas) - set(before.ideas)
    if added:  # a decision about an idea answers it
        ideas.record_response(db=db, idea_ids=added, at=now)
    audit.record(
        db,
        actor,
        "correct_decision",
        "decision",
        decision.id,
        {**old, **asdict(before)},
        {**new, "ideas": fields.ideas, "sessions": fields.sessions, "teams": fields.teams},
    )
    return decision


def _numbers(ids: list[int]) -> str:
    return ", ".join(map(str, ids))


def answer_follow_up(
    *, db: Session, actor: User, decision_id: int, rating: str | int, comment: str = ""
) -> FollowUp:
    """ "Did this change help you?": one answer per notified person, which they may change."""
    if db.get(Decision, decision_id) is None:
        raise NotFound()
    notified = notifications_q.was_notified_of_decision(db, actor.id, decision_id)
    if not permissions.can_answer_follow_up(actor, notified=notified):
        raise Forbidden()
    errors = {}
    value = number(rating, high=5) or 0
    if not value:
        errors["rating"] = _("Choose a number from 1 (not at all) to 5 (very much).")
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = _("Use at most %(n)s characters here.", n=2000)
    elif "\x00" in comment:
        errors["comment"] = _("Remove the invisible control characters from your text.")
    if errors:
        raise ValidationError(errors)
    row = db.execute(
        select(FollowUp).where(
            col(FollowUp.decision_id) == decision_id, col(FollowUp.user_id) == actor.id
        )
    ).scalar_one_or_none()
    if row is None:
        row = FollowUp(decision_id=decision_id, user_id=actor.id, rating=value, comment=comment)
        try:
            with db.begin_nested():
                db.add(row)
        except IntegrityError:  # answered twice at once: keep one answer, updated below
            row = db.execute(
                select(FollowUp).where(
                    col(FollowUp.decision_id) == decision_id, col(FollowUp.user_id) == actor.id
                )
            ).scalar_one()
    row.rating, row.comment, row.updated_at = value, comment, utcnow()
    db.add(row)
    return row


def mark_reviewed(*, db: Session, actor: User, decision_id: int) -> Decision:
    """Staff record that a pilot's review took place."""
    if not permissions.can_record_review(actor):
        raise Forbidden()
    decision = db.get(Decision, decision_id)
    if decision is None:
        raise NotFound()
    decision.reviewed_at = utcnow()
    db.add(decision)
    audit.record(db, actor, "mark_reviewed", "decision", decision_id)
    return decision
