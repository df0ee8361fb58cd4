"""Writes of the decisions domain: publish a decision, answer its follow-up, record a review."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal.accounts.models import User
from portal.clock import utcnow
from portal.decisions.models import (
    OUTCOMES,
    Decision,
    DecisionIdea,
    DecisionWorkshop,
    FollowUp,
)
from portal.errors import Forbidden, NotFound, ValidationError
from portal.forms import linked_ids, number
from portal.i18n import _
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.moderation import audit
from portal.notifications import queries as notifications_q
from portal.notifications import services as notifications

# What publishing does to the linked ideas' status, when staff ask for it.
IDEA_STATUS = {"adopted": "planned", "piloting": "piloting", "declined": "declined"}
LIMITS = {"title": 160, "you_said": 5000, "we_did": 5000, "reason": 3000, "team": 120}


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
    from portal.workshops import queries as workshops_q

    return linked_ids(
        raw,
        lambda ids: workshops_q.titles(db, ids),
        field="sessions",
        errors=errors,
        bad_format=_("Enter session numbers separated by commas, like 3, 4."),
        missing=lambda ids: _("There is no session number %(ids)s.", ids=ids),
    )


def publish(*, db: Session, actor: User, form: dict[str, str]) -> Decision:
    """Publish a decision, link its ideas (optionally moving their status, with the decision
    as the public response), and queue the notification of everyone who took part."""
    if not actor.is_staff:
        raise Forbidden()
    values = {k: (form.get(k) or "").replace("\r\n", "\n").strip() for k in LIMITS}
    values["title"] = " ".join(values["title"].split())
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = _("Enter a title for the decision.")
    if not values["you_said"]:
        errors["you_said"] = _("Say what people asked for.")
    if not values["we_did"]:
        errors["we_did"] = _("Say what the library did or decided.")
    for key, limit in LIMITS.items():
        if len(values[key]) > limit and key not in errors:
            errors[key] = _("Use at most %(n)s characters here.", n=limit)
        if "\x00" in values[key]:
            errors.setdefault(key, _("Remove the invisible control characters from your text."))
    outcome = form.get("outcome", "")
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose the outcome.")
    elif outcome in ("declined", "deferred") and not values["reason"]:
        errors["reason"] = _("Give the reason when a request is declined or deferred.")
    pilot_start = _date(form.get("pilot_start", ""), "pilot_start", errors)
    pilot_end = _date(form.get("pilot_end", ""), "pilot_end", errors)
    review_date = _date(form.get("review_date", ""), "review_date", errors)
    if outcome == "piloting":
        if not pilot_start and "pilot_start" not in errors:
            errors["pilot_start"] = _("Enter when the pilot starts.")
        if not pilot_end and "pilot_end" not in errors:
            errors["pilot_end"] = _("Enter when the pilot ends.")
        if not review_date and "review_date" not in errors:
            errors["review_date"] = _("Enter when the pilot will be reviewed.")
        if pilot_start and pilot_end and pilot_end < pilot_start:
            errors["pilot_end"] = _("The pilot must end after it starts.")
    idea_ids = _idea_ids(db, form.get("ideas", ""), errors)
    workshop_ids = _workshop_ids(db, form.get("sessions", ""), errors)
    if errors:
        raise ValidationError(errors)
    decision = Decision(
        **values,
        outcome=outcome,
        author_id=actor.id,
        published_at=utcnow(),
        pilot_start=pilot_start if outcome == "piloting" else None,
        pilot_end=pilot_end if outcome == "piloting" else None,
        review_date=review_date if outcome == "piloting" else None,
    )
    db.add(decision)
    db.flush()
    for idea_id in idea_ids:
        db.add(DecisionIdea(decision_id=decision.id, idea_id=idea_id))
    # A decision about an idea answers it, whether or not its status moves.
    ideas.record_response(db=db, idea_ids=idea_ids, at=decision.published_at)
    for workshop_id in workshop_ids:
        db.add(DecisionWorkshop(decision_id=decision.id, workshop_id=workshop_id))
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
                    response=f"**{decision.title}**\n\n{values['we_did']}",
                )
    notifications.emit(db, "decision", actor_id=actor.id, decision_id=decision.id)
    audit.record(
        db,
        actor,
        "publish_decision",
        "decision",
        decision.id,
        None,
        {"title": decision.title, "outcome": outcome, "ideas": idea_ids, "sessions": workshop_ids},
    )
    return decision


def answer_follow_up(
    *, db: Session, actor: User, decision_id: int, rating: str | int, comment: str = ""
) -> FollowUp:
    """ "Did this change help you?": one answer per notified person, which they may change."""
    if db.get(Decision, decision_id) is None:
        raise NotFound()
    if not notifications_q.was_notified_of_decision(db, actor.id, decision_id):
        raise Forbidden()
    errors = {}
    value = number(rating, high=5)
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
        select(FollowUp).where(FollowUp.decision_id == decision_id, FollowUp.user_id == actor.id)
    ).scalar_one_or_none()
    if row is None:
        row = FollowUp(decision_id=decision_id, user_id=actor.id, rating=value, comment=comment)
        try:
            with db.begin_nested():
                db.add(row)
        except IntegrityError:  # answered twice at once: keep one answer, updated below
            row = db.execute(
                select(FollowUp).where(
                    FollowUp.decision_id == decision_id, FollowUp.user_id == actor.id
                )
            ).scalar_one()
    row.rating, row.comment, row.updated_at = value, comment, utcnow()
    db.add(row)
    return row


def mark_reviewed(*, db: Session, actor: User, decision_id: int) -> Decision:
    """Staff record that a pilot's review took place."""
    if not actor.is_staff:
        raise Forbidden()
    decision = db.get(Decision, decision_id)
    if decision is None:
        raise NotFound()
    decision.reviewed_at = utcnow()
    db.add(decision)
    audit.record(db, actor, "mark_reviewed", "decision", decision_id)
    return decision
