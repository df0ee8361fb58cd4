"""Writes of the choices domain: staff ask a question on an idea or a design session, close it
early, record answers from the desk and cite it in a decision; people answer it. Every staff
change is audited in the same transaction.

One answer per person per question is the database's job: answering inserts the row with
INSERT ... ON CONFLICT DO UPDATE, so a second answer replaces the first and two at once leave
one, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from portal.accounts.models import User
from portal.accounts.permissions import take_part
from portal.choices import permissions, queries
from portal.choices.models import (
    KINDS,
    OPTIONS_MAX,
    OPTIONS_MIN,
    ChoiceAnswer,
    ChoiceEvidence,
    ChoiceOption,
    ChoiceQuestion,
    DeskAnswer,
)
from portal.core.clock import utcnow
from portal.core.db import table_of
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.ideas import queries as ideas_q
from portal.moderation import audit
from portal.workshops import queries as workshops_q

TEXT_MAX = 200
OPTION_MAX = 120
DESK_MAX = 100_000  # people in one desk entry: far above a library's paper slips


def _insert(db: Session):  # type: ignore[no-untyped-def]
    return postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert


def _text(raw: str, key: str, high: int, errors: dict[str, str], required: bool) -> str:
    text = " ".join((raw or "").split())
    if "\x00" in text:
        errors[key] = _("Remove the invisible control characters from your text.")
    elif required and not text:
        errors[key] = _("Enter the text.")
    elif len(text) > high:
        errors[key] = _("Use at most %(n)s characters.", n=high)
    return text


def _day(raw: str, key: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        errors[key] = _("Enter a date such as 2027-03-01.")
        return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _options(form: Mapping[str, str], errors: dict[str, str]) -> list[tuple[str, str]]:
    """The options staff filled in (English required, Chinese optional), in their order."""
    found: list[tuple[str, str]] = []
    for n in range(1, OPTIONS_MAX + 1):
        en = _text(form.get(f"option_{n}", ""), f"option_{n}", OPTION_MAX, errors, False)
        zh = _text(form.get(f"option_{n}_zh", ""), f"option_{n}_zh", OPTION_MAX, errors, False)
        if zh and not en:
            errors[f"option_{n}"] = _("Enter the option in English too.")
        elif en:
            if en.casefold() in {e.casefold() for e, _zh in found}:
                errors[f"option_{n}"] = _("Another option says the same.")
            found.append((en, zh))
    if len(found) < OPTIONS_MIN and "option_1" not in errors:
        errors["option_1"] = _("Give at least %(n)s options.", n=OPTIONS_MIN)
    return found


def ask(
    *,
    db: Session,
    actor: User,
    form: Mapping[str, str],
    idea_id: int | None = None,
    workshop_id: int | None = None,
) -> ChoiceQuestion:
    """Put a question on an idea or a session: its text (English, optional Chinese), "pick"
    or "rank", 2 to 6 options, open from the start of its first day to the end of its last
    (UTC), results live or once it closes."""
    if not permissions.can_ask(actor):
        raise Forbidden()
    if (idea_id is None) == (workshop_id is None):
        raise NotFound()
    if idea_id is not None and ideas_q.get(db, idea_id) is None:
        raise NotFound()
    if workshop_id is not None and workshops_q.get(db, workshop_id) is None:
        raise NotFound()
    errors: dict[str, str] = {}
    text = _text(form.get("text", ""), "text", TEXT_MAX, errors, True)
    text_zh = _text(form.get("text_zh", ""), "text_zh", TEXT_MAX, errors, False)
    kind = form.get("kind", "")
    if kind not in KINDS:
        errors["kind"] = _("Choose how people answer.")
    options = _options(form, errors)
    opens = _day(form.get("opens", ""), "opens", errors)
    closes = _day(form.get("closes", ""), "closes", errors)
    if opens and closes and closes < opens:
        errors["closes"] = _("The last day comes on or after the first.")
    if errors:
        raise ValidationError(errors)
    assert opens is not None and closes is not None
    question = ChoiceQuestion(
        idea_id=idea_id,
        workshop_id=workshop_id,
        text=text,
        text_zh=text_zh,
        kind=kind,
        opens_at=_start(opens),
        closes_at=_start(closes + timedelta(days=1)),
        live_results=form.get("live") == "1",
        author_id=actor.id,
    )
    db.add(question)
    db.flush()
    db.add_all(
        ChoiceOption(question_id=question.id, position=i, text=en, text_zh=zh)
        for i, (en, zh) in enumerate(options, start=1)
    )
    audit.record(db, actor, "ask_question", "choice_question", question.id, None, {"text": text})
    return question


def _question(db: Session, question_id: int) -> ChoiceQuestion:
    question = queries.get(db, question_id)
    if question is None:
        raise NotFound()
    return question


def ranking(
    question: ChoiceQuestion, options: list[ChoiceOption], form: Mapping[str, str]
) -> tuple[int, ...]:
    """The option ids in the order the form gives them. "Pick one": the radio button
    `option`. "Rank them": a number from 1 per option (`rank-<id>`), each number once, from 1
    without gaps; options left blank are unranked (a partial ranking counts). Raises
    ValidationError naming the field."""
    names = {o.id: o.text for o in options}
    if question.kind == "pick":
        chosen = number(form.get("option", ""))
        if chosen is None or chosen not in names:
            raise ValidationError({"option": _("Choose one of the options.")})
        return (chosen,)
    errors: dict[str, str] = {}
    given: dict[int, int] = {}
    for option in options:
        key, raw = f"rank-{option.id}", (form.get(f"rank-{option.id}") or "").strip()
        if not raw:
            continue
        place = number(raw, high=len(options))
        if not place:
            errors[key] = _("Choose a number from the list.")
        elif place in given:
            errors[key] = _(
                "You gave %(n)s to “%(other)s” as well: give each number once.",
                n=place,
                other=names[given[place]],
            )
        else:
            given[place] = option.id
    if not errors and not given:
        errors["ranking"] = _("Rank at least your first choice: give it 1.")
    elif not errors and sorted(given) != list(range(1, len(given) + 1)):
        missing = min(set(range(1, len(given) + 1)) - set(given))
        errors["ranking"] = _("Number from 1 without gaps: %(n)s is missing.", n=missing)
    if errors:
        raise ValidationError(errors)
    return tuple(given[p] for p in sorted(given))


def answer(
    *, db: Session, actor: User, question_id: int, form: Mapping[str, str]
) -> tuple[int, ...]:
    """Store `actor`'s answer, replacing any earlier one, while the question is open."""
    take_part(actor)
    question = _question(db, question_id)
    if not permissions.is_open(question, utcnow()):
        raise ValidationError({"answer": _("This question is not taking answers.")})
    options = queries.options_of(db, [question.id])[question.id]
    chosen = ranking(question, options, form)
    values = {
        "question_id": question.id,
        "user_id": actor.id,
        "ranking": ",".join(map(str, chosen)),
        "answered_at": utcnow(),
    }
    db.execute(
        _insert(db)(table_of(ChoiceAnswer))
        .values(values)
        .on_conflict_do_update(
            index_elements=["question_id", "user_id"],
            set_={"ranking": values["ranking"], "answered_at": values["answered_at"]},
        )
    )
    return chosen


def _staff(db: Session, actor: User, question_id: int) -> ChoiceQuestion:
    if not permissions.can_ask(actor):
        raise Forbidden()
    return _question(db, question_id)


def record_desk(
    *, db: Session, actor: User, question_id: int, form: Mapping[str, str]
) -> list[DeskAnswer]:
    """Record answers given at the desk. "Pick one": a count per option (`count-<id>`, blank
    for none). "Rank them": one ranking, as on the person's form, and how many gave it."""
    question = _staff(db, actor, question_id)
    options = queries.options_of(db, [question.id])[question.id]
    entries: list[tuple[tuple[int, ...], int]] = []
    if question.kind == "pick":
        errors: dict[str, str] = {}
        for option in options:
            raw = (form.get(f"count-{option.id}") or "").strip()
            n = number(raw, high=DESK_MAX) if raw else 0
            if n is None:
                errors[f"count-{option.id}"] = _(
                    "Enter a whole number up to %(n)s.", n=f"{DESK_MAX:,}"
                )
            elif n:
                entries.append(((option.id,), n))
        if not errors and not entries:
            errors[f"count-{options[0].id}"] = _("Enter how many people chose an option.")
        if errors:
            raise ValidationError(errors)
    else:
        count = number((form.get("count") or "").strip(), high=DESK_MAX)
        errors = {}
        if not count:
            errors["count"] = _("Enter a whole number from 1 to %(n)s.", n=f"{DESK_MAX:,}")
        try:
            chosen = ranking(question, options, form)
        except ValidationError as exc:
            errors |= exc.errors
        if errors:
            raise ValidationError(errors)
        assert count
        entries.append((chosen, count))
    rows = [
        DeskAnswer(
            question_id=question.id,
            ranking=",".join(map(str, chosen)),
            count=n,
            recorded_by=actor.id,
        )
        for chosen, n in entries
    ]
    db.add_all(rows)
    after = [{"ranking": r.ranking, "count": r.count} for r in rows]
    audit.record(db, actor, "record_desk_answers", "choice_question", question.id, None, after)
    return rows


def close(*, db: Session, actor: User, question_id: int) -> ChoiceQuestion:
    """Close an open question now (its results then show to everyone)."""
    question = _staff(db, actor, question_id)
    now = utcnow()
    if not permissions.is_closed(question, now):
        before = question.closes_at.isoformat()
        question.closes_at = now
        db.add(question)
        audit.record(
            db, actor, "close_question", "choice_question", question.id, {"closes_at": before}
        )
    return question


def cite(*, db: Session, actor: User, question_id: int, decision: str) -> int:
    """Have a decision (by its number) cite the question as its evidence."""
    question = _staff(db, actor, question_id)
    decision_id = number((decision or "").strip().lstrip("#"))
    if not decision_id or not decisions_q.titles(db, {decision_id}):
        raise ValidationError({"decision": _("Enter the number of a published decision.")})
    db.execute(
        _insert(db)(table_of(ChoiceEvidence))
        .values(question_id=question.id, decision_id=decision_id)
        .on_conflict_do_nothing()
    )
    audit.record(
        db, actor, "cite_question", "choice_question", question.id, None, {"decision": decision_id}
    )
    return decision_id
