"""Writes of the pilots domain: set up a decision's pilot, join and leave its cohort, invite
someone to it, and record its review (which publishes the next decision). Every staff action
is in the audit log."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts import queries as accounts_q
from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.decisions import services as decisions
from portal.moderation import audit
from portal.notifications import services as notifications
from portal.pilots import permissions, queries
from portal.pilots.models import OUTCOMES, Pilot, PilotMember
from portal.settings import Settings
from portal.surveys import queries as surveys_q
from portal.surveys import services as surveys
from portal.web.urls import path_for

MAX_SIZE = 10_000
FINDINGS_LIMIT = 5000
# The baseline round opens this many days before the pilot starts and closes as it starts;
# the follow-up round opens on the review date and stays open this many days.
BASELINE_DAYS = 7
FOLLOW_UP_DAYS = 14

log = logging.getLogger(__name__)


def _locked(db: Session, pilot_id: int) -> Pilot:
    pilot = db.execute(
        select(Pilot).where(col(Pilot.id) == pilot_id).with_for_update()
    ).scalar_one_or_none()
    if pilot is None:
        raise NotFound()
    return pilot


def set_up(
    *, db: Session, actor: User, decision_id: int, size: str | int, survey_id: str | int = ""
) -> Pilot:
    """Give a piloting decision its pilot, or change its cohort's size and survey: the size
    from 1 up and not below the people already in it; the survey (optional) one that exists,
    and fixed once a round of it is scheduled for the pilot."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    decision = decisions_q.get(db, decision_id)
    if decision is None or decision.outcome != "piloting":
        raise NotFound()
    pilot = db.execute(
        select(Pilot).where(col(Pilot.decision_id) == decision_id).with_for_update()
    ).scalar_one_or_none()
    errors: dict[str, str] = {}
    wanted = number(size, high=MAX_SIZE)
    if not wanted:
        errors["size"] = _("Enter how many people the pilot takes, from 1 to %(n)s.", n=MAX_SIZE)
    elif pilot is not None and wanted < pilot.member_count:
        errors["size"] = _(
            "%(n)s people are in the pilot already: the size cannot be smaller.",
            n=pilot.member_count,
        )
    survey: int | None = None
    if str(survey_id).strip():
        survey = number(survey_id)
        if survey is None or surveys_q.get(db, survey) is None:
            errors["survey_id"] = _("Choose a survey from the list.")
    if pilot is not None and survey != pilot.survey_id and pilot.baseline_round_id is not None:
        errors.setdefault(
            "survey_id", _("The pilot's survey rounds are scheduled: its survey stays.")
        )
    if errors:
        raise ValidationError(errors)
    assert wanted
    before = None if pilot is None else {"size": pilot.size, "survey_id": pilot.survey_id}
    if pilot is None:
        pilot = Pilot(decision_id=decision_id, size=wanted, created_by=actor.id)
    pilot.size, pilot.survey_id = wanted, survey
    db.add(pilot)
    db.flush()
    after = {"size": wanted, "survey_id": survey}
    audit.record(db, actor, "set_up_pilot", "decision", decision_id, before, after)
    return pilot


def use_rounds(
    *,
    db: Session,
    actor: User,
    pilot_id: int,
    baseline_round_id: int | None = None,
    followup_round_id: int | None = None,
) -> Pilot:
    """Measure a pilot with rounds that already exist (run by staff before the pilot had
    a survey, or by the demo): both of one survey, which becomes the pilot's. The worker
    then schedules only what is still missing."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    pilot = _locked(db, pilot_id)
    rounds = {}
    for key, round_id in (("baseline", baseline_round_id), ("followup", followup_round_id)):
        rnd = surveys_q.get_round(db, round_id) if round_id else None
        if round_id and rnd is None:
            raise ValidationError({f"{key}_round_id": _("There is no such survey round.")})
        if rnd is not None:
            rounds[key] = rnd
    if len({r.survey_id for r in rounds.values()}) > 1:
        raise ValidationError({"followup_round_id": _("Both rounds must be of one survey.")})
    before = {"baseline": pilot.baseline_round_id, "followup": pilot.followup_round_id}
    for key, rnd in rounds.items():
        setattr(pilot, f"{key}_round_id", rnd.id)
        pilot.survey_id = rnd.survey_id
    db.add(pilot)
    after = {"baseline": pilot.baseline_round_id, "followup": pilot.followup_round_id}
    audit.record(db, actor, "measure_pilot", "decision", pilot.decision_id, before, after)
    return pilot


def join(*, db: Session, actor: User, pilot_id: int) -> PilotMember | None:
    """Join a cohort while it has room. Two people taking the last place at once: one gets
    it (the count moves only while it is below the size, in one statement), the other is told
    the pilot is full. Joining twice changes nothing (None)."""
    pilot = queries.get(db, pilot_id)
    if pilot is None:
        raise NotFound()
    if not permissions.can_join(actor, pilot):
        raise Forbidden()
    if queries.is_member(db, pilot_id, actor.id):
        return None
    moved = db.exec(
        update(Pilot)
        .where(col(Pilot.id) == pilot_id, col(Pilot.member_count) < col(Pilot.size))
        .values(member_count=col(Pilot.member_count) + 1)
    ).rowcount
    if not moved:
        raise ValidationError({"pilot": _("The pilot is full.")})
    member = PilotMember(pilot_id=pilot_id, user_id=actor.id)
    try:
        with db.begin_nested():
            db.add(member)
    except IntegrityError:  # joined twice at once: the other request counted them
        db.execute(
            update(Pilot)
            .where(col(Pilot.id) == pilot_id)
            .values(member_count=col(Pilot.member_count) - 1)
        )
        return None
    return member


def leave(*, db: Session, actor: User, pilot_id: int) -> bool:
    """Leave a cohort (True when the person was in it)."""
    if queries.get(db, pilot_id) is None:
        raise NotFound()
    return _remove(db, pilot_id, actor.id)


def _remove(db: Session, pilot_id: int, user_id: int) -> bool:
    gone = db.exec(
        delete(PilotMember).where(
            col(PilotMember.pilot_id) == pilot_id, col(PilotMember.user_id) == user_id
        )
    ).rowcount
    if gone:
        db.execute(
            update(Pilot)
            .where(col(Pilot.id) == pilot_id)
            .values(member_count=col(Pilot.member_count) - gone)
        )
    return bool(gone)


def leave_every_pilot(db: Session, user_id: int) -> None:
    """Take a person out of every cohort, each count with them (their account is deleted)."""
    ids = db.execute(
        select(col(PilotMember.pilot_id)).where(col(PilotMember.user_id) == user_id)
    ).scalars()
    for pilot_id in list(ids):
        _remove(db, pilot_id, user_id)


def invite(*, db: Session, actor: User, pilot_id: int, email: str, settings: Settings) -> User:
    """Email the holder of an existing account an invitation to join, in their language,
    through the outbox."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    pilot = queries.get(db, pilot_id)
    if pilot is None:
        raise NotFound()
    decision = decisions_q.get(db, pilot.decision_id)
    assert decision is not None
    address = (email or "").strip()
    person = accounts_q.user_by_email(db, address) if 0 < len(address) <= 254 else None
    if person is None:
        raise ValidationError({"email": _("There is no account with this email address.")})
    if queries.is_member(db, pilot_id, person.id):
        raise ValidationError({"email": _("This person is in the pilot already.")})
    if pilot.reviewed_at is not None:
        raise ValidationError({"email": _("The pilot is reviewed: nobody can join it now.")})
    url = settings.base_url + path_for("decisions:detail", id=decision.id, fragment="pilot")
    queued = notifications.queue_notice(
        db,
        key=f"pilot:{pilot.id}:invite:{person.id}:{secrets.token_hex(6)}",
        user=person,
        kind="decision",
        template="pilot_invitation",
        context={"decision": decision, "pilot": pilot, "url": url},
        base_url=settings.base_url,
        secret=settings.secret_key,
    )
    if not queued:
        raise ValidationError(
            {
                "email": _(
                    "This person cannot be emailed: their address is not confirmed, or they "
                    "turned these emails off."
                )
            }
        )
    audit.record(db, actor, "invite_to_pilot", "decision", decision.id, None, {"user": person.id})
    return person


def _review_fields(form: Mapping[str, str]) -> tuple[str, str]:
    findings = (form.get("findings") or "").replace("\r\n", "\n").strip()
    outcome = form.get("outcome") or ""
    errors: dict[str, str] = {}
    if not findings:
        errors["findings"] = _("Write what the pilot found.")
    elif len(findings) > FINDINGS_LIMIT:
        errors["findings"] = _("Use at most %(n)s characters here.", n=FINDINGS_LIMIT)
    elif "\x00" in findings:
        errors["findings"] = _("Remove the invisible control characters from your text.")
    if outcome not in OUTCOMES:
        errors["outcome"] = _("Choose the outcome of the pilot.")
    if errors:
        raise ValidationError(errors)
    return findings, outcome


def review(*, db: Session, actor: User, pilot_id: int, form: Mapping[str, str]) -> Pilot:
    """Record a pilot's review: its findings and outcome. The decision is marked reviewed and
    the next decision published through the decisions domain, linked to the same ideas,
    sessions and teams (adopted, piloting again with new dates, or declined), with the "we
    did" text (and reason, dates) from the form; its notification goes as any decision's."""
    if not permissions.can_review(actor):
        raise Forbidden()
    pilot = _locked(db, pilot_id)
    if pilot.reviewed_at is not None:
        raise ValidationError({"outcome": _("This pilot's review is recorded already.")})
    findings, outcome = _review_fields(form)
    decision = decisions_q.get(db, pilot.decision_id)
    assert decision is not None
    links = decisions.current_links(db, decision.id)
    next_form = {
        "title": decision.title,
        "you_said": decision.you_said,
        "we_did": form.get("we_did") or "",
        "reason": form.get("reason") or "",
        "outcome": OUTCOMES[outcome],
        "ideas": ", ".join(map(str, links.ideas)),
        "sessions": ", ".join(map(str, links.sessions)),
        # Adopting plans the ideas, stopping declines them; a new pilot keeps them piloting.
        "move_status": "1",
        **{k: form.get(k) or "" for k in decisions.DATES},
    }
    following = decisions.publish(
        db=db, actor=actor, form=next_form, teams=[str(t) for t in links.teams]
    )
    decisions.mark_reviewed(db=db, actor=actor, decision_id=decision.id)
    pilot.findings, pilot.outcome = findings, outcome
    pilot.reviewed_at, pilot.reviewed_by = utcnow(), actor.id
    pilot.next_decision_id = following.id
    db.add(pilot)
    audit.record(
        db,
        actor,
        "review_pilot",
        "decision",
        decision.id,
        None,
        {"outcome": outcome, "next_decision": following.id},
    )
    return pilot


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _schedule(db: Session, pilot: Pilot, opens_at: datetime, closes_at: datetime) -> int | None:
    """A round of the pilot's survey for its cohort, through the surveys domain (None when
    the survey has another round then: the worker tries again on its next round)."""
    assert pilot.survey_id is not None
    try:
        with db.begin_nested():
            rnd = surveys.schedule_round(
                db=db,
                survey_id=pilot.survey_id,
                opens_at=opens_at,
                closes_at=closes_at,
                sources=[("pilot", pilot.id)],
            )
    except ValidationError as exc:
        log.warning("pilot %s: no round scheduled: %s", pilot.id, exc.errors)
        return None
    return rnd.id


def schedule_rounds(db: Session) -> int:
    """For each pilot with a survey, schedule what is still to come: the baseline round
    (open BASELINE_DAYS before the pilot starts, or from now if that is later; closed when
    it starts) while the pilot has not started, and the follow-up round (open on the review
    date for FOLLOW_UP_DAYS) until it would have closed. Run again, it schedules nothing more.
    The surveys' own job invites the cohort when each round opens."""
    now = utcnow()
    done = 0
    for found in queries.awaiting_rounds(db):
        pilot = _locked(db, found.id)
        decision = decisions_q.get(db, pilot.decision_id)
        if decision is None or decision.pilot_start is None or decision.review_date is None:
            continue
        start = _midnight(decision.pilot_start)
        if pilot.baseline_round_id is None and now < start:
            opens = max(start - timedelta(days=BASELINE_DAYS), now.replace(microsecond=0))
            pilot.baseline_round_id = _schedule(db, pilot, opens, start)
            done += pilot.baseline_round_id is not None
        review = _midnight(decision.review_date)
        closes = review + timedelta(days=FOLLOW_UP_DAYS)
        if pilot.followup_round_id is None and now < closes:
            pilot.followup_round_id = _schedule(db, pilot, max(review, now), closes)
            done += pilot.followup_round_id is not None
        db.add(pilot)
    return done
