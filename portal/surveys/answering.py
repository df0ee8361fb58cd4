"""Answering a round: read the form, check every answer against the instrument, and store the
response (or a draft of it) in one transaction. Nothing is stored when anything is wrong.

In an anonymous round the person comes with their one-time link: the invitation is marked
used in the same transaction as the answers, which are stored without the person; a second
use finds it used and stores nothing."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, Unconfirmed, ValidationError
from portal.core.i18n import _
from portal.surveys import permissions, queries
from portal.surveys.models import (
    COLUMNS,
    GROUPS,
    Answer,
    Invitation,
    Response,
    Round,
    Survey,
    TextAnswer,
)

RATING_FIELD = re.compile("r-([0-9]{1,10})-([a-z]{1,10})")
TEXT_FIELD = re.compile("t-([0-9]{1,10})")
TEXT_MAX = 5000


class RoundUnavailable(Exception):
    """The form cannot be answered: the round is closed or not open yet, or the one-time link
    is used or unknown. `reason` says which, for a page that says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class Parsed:
    ratings: dict[tuple[int, str], int | None]
    texts: dict[int, str]
    group: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_round(db: Session, survey: Survey) -> Round:
    """The survey's open round, or RoundUnavailable saying why there is none."""
    rnd = queries.open_round(db, survey.id)
    if rnd is not None:
        return rnd
    later = [r for r in queries.rounds(db, survey.id) if r.opens_at > utcnow()]
    raise RoundUnavailable("not_yet" if later else "closed")


def parse(structure: queries.Structure, form: dict[str, str], *, complete: bool) -> Parsed:
    """Every rating, text and group of the form, checked: a value outside the scale, an item
    or question the survey does not have, and (when `complete`) an item left unrated are each
    named beside their field."""
    survey = structure.survey
    columns = COLUMNS[survey.scale]
    items = {item.id for item in structure.all_items}
    questions = {q.id for q in structure.questions}
    errors: dict[str, str] = {}
    ratings: dict[tuple[int, str], int | None] = {}
    texts: dict[int, str] = {}
    for key, raw in form.items():
        if m := RATING_FIELD.fullmatch(key):
            item_id, column = int(m[1]), m[2]
            if item_id not in items or column not in columns:
                errors["answers"] = _(
                    "The form asked about something this survey does not have: reload the page and answer again."
                )
                continue
            value = _rating(raw, survey.points)
            if value is False:
                errors[key] = _(
                    "Choose a number from 1 to %(n)s, or “Not applicable”.", n=survey.points
                )
            elif value != "":
                ratings[(item_id, column)] = value  # type: ignore[assignment]
        elif m := TEXT_FIELD.fullmatch(key):
            if int(m[1]) not in questions:
                errors["answers"] = _(
                    "The form asked about something this survey does not have: reload the page and answer again."
                )
                continue
            text = raw.replace("\r\n", "\n").strip()
            if "\x00" in text:
                errors[key] = _("Remove the invisible control characters from your text.")
            elif len(text) > TEXT_MAX:
                errors[key] = _("Use at most %(n)s characters here.", n=TEXT_MAX)
            elif text:
                texts[int(m[1])] = text
    group = (form.get("group") or "").strip()
    if group and (group not in GROUPS or not survey.asks_group):
        errors["group"] = _("Choose one of the groups, or leave it unanswered.")
    if complete:
        for item in structure.all_items:
            for column in columns:
                key = f"r-{item.id}-{column}"
                if (item.id, column) not in ratings and key not in errors:
                    errors[key] = _("Choose a rating, or “Not applicable”.")
    if errors:
        raise ValidationError(errors)
    return Parsed(ratings, texts, group)


def _rating(raw: str, points: int) -> int | None | str | bool:
    """A rating from the form: an int on the scale, None for "not applicable", "" for no
    answer, False for anything else."""
    raw = (raw or "").strip()
    if raw == "":
        return ""
    if raw == "na":
        return None
    if raw.isascii() and raw.isdigit() and len(raw) <= 2 and 1 <= int(raw) <= points:
        return int(raw)
    return False


def _store(db: Session, response: Response, parsed: Parsed) -> None:
    """Replace the response's answers with the parsed ones."""
    db.execute(delete(Answer).where(col(Answer.response_id) == response.id))
    db.execute(delete(TextAnswer).where(col(TextAnswer.response_id) == response.id))
    # One executemany each, however many items the survey has.
    ids = {"response_id": response.id, "round_id": response.round_id}
    ratings = [
        {**ids, "item_id": i, "column": c, "value": v}
        for (i, c), v in sorted(parsed.ratings.items())
    ]
    if ratings:
        db.execute(insert(Answer), ratings)
    texts = [{**ids, "question_id": q, "text": t} for q, t in sorted(parsed.texts.items())]
    if texts:
        db.execute(insert(TextAnswer), texts)


def may_answer(db: Session, rnd: Round, actor: User | None) -> None:
    """Refuse (403) a person the round does not ask, or who may not answer yet (a page that
    asks them to confirm their address first)."""
    if actor is None:
        raise Forbidden()
    if actor.blocked_at is None and actor.email_confirmed_at is None:
        raise Unconfirmed()
    if not permissions.can_answer(actor) or not queries.in_audience(db, rnd, actor.id):
        raise Forbidden()


def answer(
    *, db: Session, actor: User | None, survey_id: int, form: dict[str, str], draft: bool = False
) -> Response:
    """A signed-in person answers (or, with `draft`, saves for later) the survey's open round;
    answering again replaces their answers."""
    survey = queries.get(db, survey_id)
    if survey is None:
        raise NotFound()
    rnd = open_round(db, survey)
    if rnd.anonymous:
        raise RoundUnavailable("needs_link")
    may_answer(db, rnd, actor)
    assert actor is not None
    structure = queries.structure(db, survey)
    parsed = parse(structure, form, complete=not draft)
    response = queries.response_of(db, rnd.id, actor.id)
    if response is not None and draft and not response.is_draft:
        raise ValidationError(
            {"answers": _("You have already sent your answers: send them again to change them.")}
        )
    if response is None:
        response = Response(round_id=rnd.id, user_id=actor.id)
        try:
            with db.begin_nested():
                db.add(response)
        except IntegrityError:  # the same person's other request got there first
            response = queries.response_of(db, rnd.id, actor.id)
            assert response is not None
    _finish(db, response, parsed, draft)
    if not draft:
        db.execute(
            update(Invitation)
            .where(
                col(Invitation.round_id) == rnd.id,
                col(Invitation.user_id) == actor.id,
                col(Invitation.used_at).is_(None),
            )
            .values(used_at=utcnow())
        )
    return response


def _finish(db: Session, response: Response, parsed: Parsed, draft: bool) -> None:
    now = utcnow()
    response.group = parsed.group
    response.is_draft = draft
    response.updated_at = now
    response.submitted_at = None if draft else now
    db.add(response)
    db.flush()
    _store(db, response, parsed)


def invitation_for_link(db: Session, survey: Survey, token: str) -> tuple[Round, Invitation]:
    """The open round and the invitation of a one-time link, while it is unused."""
    rnd = open_round(db, survey)
    invitation = queries.invitation_by_token(db, token_hash(token)) if token else None
    if invitation is None or invitation.round_id != rnd.id:
        raise RoundUnavailable("bad_link")
    if invitation.used_at is not None:
        raise RoundUnavailable("used_link")
    return rnd, invitation


def answer_anonymously(
    *, db: Session, survey_id: int, token: str, form: dict[str, str]
) -> Response:
    """Answer an anonymous round with a one-time link: the answers are stored without the
    person, and the invitation only records that its link was used."""
    survey = queries.get(db, survey_id)
    if survey is None:
        raise NotFound()
    rnd, invitation = invitation_for_link(db, survey, token)
    parsed = parse(queries.structure(db, survey), form, complete=True)
    # Claimed by one UPDATE: of two requests with the same link, only one finds it unused.
    used = db.execute(  # type: ignore[attr-defined]
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
        .values(used_at=utcnow())
    ).rowcount
    if not used:
        raise RoundUnavailable("used_link")
    response = Response(round_id=rnd.id, user_id=None)
    db.add(response)
    db.flush()
    _finish(db, response, parsed, draft=False)
    # Only the day: the moment of an answer would match it to the moment its link was used.
    day = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    response.submitted_at = response.updated_at = day
    db.add(response)
    return response
