"""Writes of the surveys domain by staff: build an instrument (from nothing or from a
starting template), change it while no round has responses, and schedule rounds. Every
change is in the audit log."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import id_list
from portal.core.i18n import _
from portal.moderation import audit
from portal.surveys import audiences, permissions, queries
from portal.surveys.models import (
    AUDIENCES,
    Dimension,
    Item,
    Question,
    Round,
    RoundSource,
    Survey,
)
from portal.surveys.starters import STARTERS

CODE = re.compile("[A-Za-z0-9_-]{1,20}")
POINTS = {"single5": ("single", 5), "single7": ("single", 7), "three": ("three", 9)}
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _allowed(actor: User) -> None:
    if not permissions.can_manage(actor):
        raise Forbidden()


def _line(form: dict[str, str], key: str, limit: int, errors: dict[str, str]) -> str:
    """One line of text: spaces tidied; control characters and overlong text refused."""
    value = " ".join((form.get(key) or "").split())
    if _CONTROL.search(value):
        errors[key] = _("Remove the invisible control characters from your text.")
    elif len(value) > limit:
        errors[key] = _("Use at most %(n)s characters here.", n=limit)
    return value


def _editable(db: Session, survey_id: int) -> Survey:
    """The instrument, locked, as long as no round has a response yet."""
    survey = db.execute(
        select(Survey).where(col(Survey.id) == survey_id).with_for_update()
    ).scalar_one_or_none()
    if survey is None:
        raise NotFound()
    if queries.has_responses(db, survey_id):
        raise ValidationError(
            {"survey": _("People have answered this survey: it can no longer be changed.")}
        )
    return survey


def _settings(form: dict[str, str]) -> dict:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {
        "title": _line(form, "title", 160, errors),
        "title_zh": _line(form, "title_zh", 160, errors),
    }
    if not values["title"] and "title" not in errors:
        errors["title"] = _("Enter the survey's title in English.")
    if form.get("scale") not in POINTS:
        errors["scale"] = _("Choose the scale.")
    if errors:
        raise ValidationError(errors)
    values["scale"], values["points"] = POINTS[form["scale"]]
    values["asks_group"] = form.get("asks_group") == "1"
    return values


def create(*, db: Session, actor: User, form: dict[str, str]) -> Survey:
    """A new instrument: empty, with a title and a scale."""
    _allowed(actor)
    survey = Survey(**_settings(form), created_by=actor.id)
    db.add(survey)
    db.flush()
    audit.record(db, actor, "add_survey", "survey", survey.id, None, {"title": survey.title})
    return survey


def create_from_starter(*, db: Session, actor: User, starter: str) -> Survey:
    """A new instrument copied from one of the starting templates."""
    _allowed(actor)
    spec = STARTERS.get(starter)
    if spec is None:
        raise ValidationError({"starter": _("Choose a starting template.")})
    survey = Survey(
        title=spec["title"],
        title_zh=spec["title_zh"],
        scale=spec["scale"],
        points=spec["points"],
        asks_group=spec["asks_group"],
        created_by=actor.id,
    )
    db.add(survey)
    db.flush()
    for d_pos, (code, name, name_zh, items) in enumerate(spec["dimensions"]):
        dim = Dimension(survey_id=survey.id, code=code, name=name, name_zh=name_zh, position=d_pos)
        db.add(dim)
        db.flush()
        for i_pos, (i_code, text, text_zh) in enumerate(items):
            db.add(
                Item(
                    survey_id=survey.id,
                    dimension_id=dim.id,
                    code=i_code,
                    text=text,
                    text_zh=text_zh,
                    position=i_pos,
                )
            )
    for q_pos, (code, text, text_zh) in enumerate(spec["questions"]):
        db.add(Question(survey_id=survey.id, code=code, text=text, text_zh=text_zh, position=q_pos))
    audit.record(db, actor, "add_survey", "survey", survey.id, None, {"starter": starter})
    return survey


def edit(*, db: Session, actor: User, survey_id: int, form: dict[str, str]) -> Survey:
    """Change an instrument's titles, scale or "about you" question."""
    _allowed(actor)
    survey = _editable(db, survey_id)
    values = _settings(form)
    before = {k: getattr(survey, k) for k in values}
    for key, value in values.items():
        setattr(survey, key, value)
    db.add(survey)
    audit.record(db, actor, "edit_survey", "survey", survey.id, before, values)
    return survey


def _code(db: Session, model: type, survey_id: int, form: dict[str, str], errors: dict) -> str:
    code = (form.get("code") or "").strip()
    if not CODE.fullmatch(code):
        errors["code"] = _(
            "Give a short code: up to 20 letters, digits, hyphens or underscores (A-Z, 0-9, - _)."
        )
    elif db.execute(
        select(model.id).where(model.survey_id == survey_id, model.code == code)  # type: ignore[attr-defined]
    ).first():
        errors["code"] = _("The code “%(code)s” is already used in this survey.", code=code)
    return code


def _next_position(db: Session, model: type, *conditions: ColumnElement[bool]) -> int:
    rows = db.execute(select(model.position).where(*conditions)).scalars().all()  # type: ignore[attr-defined]
    return max(rows, default=-1) + 1


def add_dimension(*, db: Session, actor: User, survey_id: int, form: dict[str, str]) -> Dimension:
    """Add a dimension (a group of items, such as "Staff helpfulness")."""
    _allowed(actor)
    survey = _editable(db, survey_id)
    errors: dict[str, str] = {}
    code = _code(db, Dimension, survey.id, form, errors)
    name = _line(form, "name", 160, errors)
    name_zh = _line(form, "name_zh", 160, errors)
    if not name and "name" not in errors:
        errors["name"] = _("Enter the dimension's name in English.")
    if errors:
        raise ValidationError(errors)
    position = _next_position(db, Dimension, col(Dimension.survey_id) == survey.id)
    dim = Dimension(survey_id=survey.id, code=code, name=name, name_zh=name_zh, position=position)
    db.add(dim)
    db.flush()
    audit.record(db, actor, "add_survey_dimension", "survey", survey.id, None, {"code": code})
    return dim


def _text_part(db: Session, model: type, survey: Survey, form: dict[str, str]) -> dict:
    errors: dict[str, str] = {}
    values = {
        "code": _code(db, model, survey.id, form, errors),
        "text": _line(form, "text", 500, errors),
        "text_zh": _line(form, "text_zh", 500, errors),
    }
    if not values["text"] and "text" not in errors:
        errors["text"] = _("Enter the text in English.")
    return {"values": values, "errors": errors}


def add_item(*, db: Session, actor: User, survey_id: int, form: dict[str, str]) -> Item:
    """Add an item (a statement people rate) to a dimension."""
    _allowed(actor)
    survey = _editable(db, survey_id)
    part = _text_part(db, Item, survey, form)
    dims = {str(d.id): d for d in queries.structure(db, survey).dimensions}
    dim = dims.get(form.get("dimension_id") or "")
    if dim is None:
        part["errors"]["dimension_id"] = _("Choose the dimension the item belongs to.")
    if part["errors"]:
        raise ValidationError(part["errors"])
    assert dim is not None
    position = _next_position(db, Item, col(Item.dimension_id) == dim.id)
    item = Item(survey_id=survey.id, dimension_id=dim.id, position=position, **part["values"])
    db.add(item)
    db.flush()
    audit.record(db, actor, "add_survey_item", "survey", survey.id, None, {"code": item.code})
    return item


def add_question(*, db: Session, actor: User, survey_id: int, form: dict[str, str]) -> Question:
    """Add a free-text question."""
    _allowed(actor)
    survey = _editable(db, survey_id)
    part = _text_part(db, Question, survey, form)
    if part["errors"]:
        raise ValidationError(part["errors"])
    position = _next_position(db, Question, col(Question.survey_id) == survey.id)
    question = Question(survey_id=survey.id, position=position, **part["values"])
    db.add(question)
    db.flush()
    audit.record(
        db, actor, "add_survey_question", "survey", survey.id, None, {"code": question.code}
    )
    return question


PARTS: dict[str, type] = {"dimension": Dimension, "item": Item, "question": Question}


def remove_part(*, db: Session, actor: User, survey_id: int, kind: str, part_id: int) -> None:
    """Remove a dimension (with its items), an item or a question."""
    _allowed(actor)
    survey = _editable(db, survey_id)
    model = PARTS.get(kind)
    if model is None:
        raise NotFound()
    gone = db.execute(
        delete(model).where(model.id == part_id, model.survey_id == survey.id)  # type: ignore[attr-defined]
    ).rowcount
    if not gone:
        raise NotFound()
    audit.record(db, actor, f"remove_survey_{kind}", "survey", survey.id, {"id": part_id})


def _day(raw: str, key: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        errors[key] = _("Enter a date such as 2027-03-01.")
        return None


def _sources(db: Session, form: dict[str, str], errors: dict[str, str]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    for kind, source in audiences.SOURCES.items():
        key = f"{kind}_ids"
        ids = id_list(form.get(key) or "")
        if ids is None:
            errors[key] = _("Give numbers separated by commas, such as 12, 31.")
            continue
        missing = set(ids) - source.exists(db, set(ids))
        if missing:
            errors[key] = _(
                "There is nothing with the number %(ids)s.",
                ids=", ".join(map(str, sorted(missing))),
            )
        found += [(kind, i) for i in ids]
    return found


def add_round(*, db: Session, actor: User, survey_id: int, form: dict[str, str]) -> Round:
    """Schedule a round: open from the start of its first day to the end of its last (UTC).
    The worker invites its audience once it opens."""
    _allowed(actor)
    survey = queries.get(db, survey_id)
    if survey is None:
        raise NotFound()
    errors: dict[str, str] = {}
    opens = _day(form.get("opens", ""), "opens", errors)
    closes = _day(form.get("closes", ""), "closes", errors)
    audience = form.get("audience") or ""
    if audience not in AUDIENCES:
        errors["audience"] = _("Choose who is asked.")
    sources = _sources(db, form, errors) if audience == "participants" else []
    if audience == "participants" and not sources and not errors:
        errors["idea_ids"] = _(
            "Give at least one idea, session or decision whose people are asked."
        )
    if opens and closes:
        if closes < opens:
            errors["closes"] = _("The round must close on or after the day it opens.")
        elif closes < utcnow().date():
            errors["closes"] = _("This day has passed: choose a close date from today on.")
    if not queries.structure(db, survey).all_items:
        errors["survey"] = _("Add at least one item before running the survey.")
    if errors:
        raise ValidationError(errors)
    assert opens and closes
    opens_at = datetime.combine(opens, time(), UTC)
    closes_at = datetime.combine(closes + timedelta(days=1), time(), UTC)
    rnd = _new_round(
        db,
        survey.id,
        opens_at,
        closes_at,
        audience=audience,
        anonymous=form.get("anonymous") == "1",
        sources=sources,
        created_by=actor.id,
    )
    audit.record(db, actor, "add_survey_round", "survey", survey.id, None, {"round": rnd.id})
    return rnd


def _new_round(
    db: Session,
    survey_id: int,
    opens_at: datetime,
    closes_at: datetime,
    *,
    audience: str,
    anonymous: bool,
    sources: list[tuple[str, int]],
    created_by: int | None,
) -> Round:
    """Write a round and its sources, unless another round of the survey runs then."""
    for other in queries.rounds(db, survey_id):
        if other.opens_at < closes_at and opens_at < other.closes_at:
            raise ValidationError({"opens": _("Another round of this survey runs on these days.")})
    rnd = Round(
        survey_id=survey_id,
        opens_at=opens_at,
        closes_at=closes_at,
        audience=audience,
        anonymous=anonymous,
        created_by=created_by,
    )
    db.add(rnd)
    db.flush()
    for kind, ref in sorted(set(sources)):
        db.add(RoundSource(round_id=rnd.id, kind=kind, ref_id=ref))
    return rnd


def schedule_round(
    *,
    db: Session,
    survey_id: int,
    opens_at: datetime,
    closes_at: datetime,
    sources: list[tuple[str, int]],
) -> Round:
    """A round that a domain built on surveys schedules by itself (the worker schedules a
    pilot's baseline and follow-up): for the people of `sources`, invited by the surveys' own
    job once it opens. ValidationError when the survey does not exist, has no items, or has
    another round then."""
    survey = queries.get(db, survey_id)
    if survey is None or not queries.structure(db, survey).all_items:
        raise ValidationError({"survey": _("Choose a survey that has items.")})
    return _new_round(
        db,
        survey_id,
        opens_at,
        closes_at,
        audience="participants",
        anonymous=False,
        sources=sources,
        created_by=None,
    )


def close_round(*, db: Session, actor: User, round_id: int) -> Round:
    """Close a round now (it takes no more answers)."""
    _allowed(actor)
    rnd = queries.get_round(db, round_id)
    if rnd is None:
        raise NotFound()
    now = utcnow()
    if rnd.closes_at > now:
        rnd.closes_at = max(now, rnd.opens_at)
        db.add(rnd)
        audit.record(
            db, actor, "close_survey_round", "survey", rnd.survey_id, None, {"round": rnd.id}
        )
    return rnd


def publish_round(*, db: Session, actor: User, round_id: int, publish: bool = True) -> Round:
    """Show a round's results to everyone (or, with `publish` False, to staff only again)."""
    if not permissions.can_publish(actor):
        raise Forbidden()
    rnd = queries.get_round(db, round_id)
    if rnd is None:
        raise NotFound()
    if publish != (rnd.published_at is not None):
        rnd.published_at = utcnow() if publish else None
        db.add(rnd)
        action = "publish_survey_round" if publish else "unpublish_survey_round"
        audit.record(db, actor, action, "survey", rnd.survey_id, None, {"round": rnd.id})
    return rnd
