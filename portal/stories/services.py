"""Writes of the stories domain: tell a story; staff add themes, code a story with them, link
it to decisions and ideas, publish and unpublish it. Every staff change is audited in the same
transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.permissions import take_part
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.forms import linked_ids, number
from portal.core.i18n import _
from portal.decisions import queries as decisions_q
from portal.ideas import queries as ideas_q
from portal.moderation import audit
from portal.stories import permissions, queries
from portal.stories.models import THEME_CODE, Story, StoryDecision, StoryIdea, StoryTheme, Theme

ANSWER_MIN = 10
ANSWER_MAX = 5_000
SERVICE_MAX = 100
THEME_NAME_MAX = 80
ANSWERS = ("happened", "did", "changed")


def _answer(name: str, raw: str, errors: dict[str, str]) -> str:
    text = (raw or "").replace("\r\n", "\n").strip()
    if "\x00" in text:
        errors[name] = _("Remove the invisible control characters from your text.")
    elif len(text) < ANSWER_MIN:
        errors[name] = _("Write at least %(n)s characters.", n=ANSWER_MIN)
    elif len(text) > ANSWER_MAX:
        errors[name] = _("Use at most %(n)s characters.", n=ANSWER_MAX)
    return text


def _service(db: Session, category_id: str, service: str, errors: dict[str, str]) -> tuple:
    """(category id, free text): a category of the site's while it offers any, else the
    service in the person's words."""
    offered = {c.id for c in ideas_q.active_categories(db)}
    if offered:
        wanted = number(category_id)
        if wanted is None or wanted not in offered:
            errors["category_id"] = _("Choose the service from the list.")
        return wanted, ""
    text = " ".join((service or "").split())
    if not text:
        errors["service"] = _("Name the service involved.")
    elif len(text) > SERVICE_MAX or "\x00" in text:
        errors["service"] = _("Use at most %(n)s characters for the service.", n=SERVICE_MAX)
    return None, text


def tell(
    *,
    db: Session,
    actor: User,
    happened: str,
    did: str,
    changed: str,
    category_id: str = "",
    service: str = "",
    consent: bool = False,
) -> Story:
    """Store a story told by `actor`; it stays private until staff publish it, which they
    may only when `consent` is given."""
    take_part(actor)
    errors: dict[str, str] = {}
    texts = [_answer(n, v, errors) for n, v in zip(ANSWERS, (happened, did, changed), strict=True)]
    category, text = _service(db, category_id, service, errors)
    if errors:
        raise ValidationError(errors)
    story = Story(
        author_id=actor.id,
        happened=texts[0],
        did=texts[1],
        changed=texts[2],
        category_id=category,
        service=text,
        consent=bool(consent),
    )
    db.add(story)
    db.flush()
    return story


def _staff(actor: User) -> None:
    if not permissions.can_code(actor):
        raise Forbidden()


def _story(db: Session, story_id: int) -> Story:
    story = queries.get(db, story_id)
    if story is None:
        raise NotFound()
    return story


def add_theme(*, db: Session, actor: User, code: str, name: str, name_zh: str) -> Theme:
    """Add a theme to code stories with: a code unique among themes, a name in both languages."""
    _staff(actor)
    code = (code or "").strip()
    name, name_zh = " ".join((name or "").split()), " ".join((name_zh or "").split())
    errors: dict[str, str] = {}
    if not THEME_CODE.fullmatch(code):
        errors["code"] = _("Use 1 to 20 letters, digits, - or _ for the code.")
    elif queries.theme_by_code(db, code) is not None:
        errors["code"] = _("Another theme has this code.")
    for field, value in (("name", name), ("name_zh", name_zh)):
        if not value:
            errors[field] = _("Enter the theme's name.")
        elif len(value) > THEME_NAME_MAX or "\x00" in value:
            errors[field] = _("Use at most %(n)s characters for the name.", n=THEME_NAME_MAX)
    if errors:
        raise ValidationError(errors)
    theme = Theme(code=code, name=name, name_zh=name_zh)
    db.add(theme)
    db.flush()
    audit.record(db, actor, "add_story_theme", "story_theme", theme.id, None, {"code": code})
    return theme


def code(*, db: Session, actor: User, story_id: int, theme_ids: Iterable[str]) -> None:
    """Set the themes a story is coded with (several, or none)."""
    _staff(actor)
    story = _story(db, story_id)
    known = {t.id for t in queries.themes(db)}
    wanted = [number(raw) for raw in theme_ids]
    if any(t is None or t not in known for t in wanted):
        raise ValidationError({"themes": _("Choose themes from the list.")})
    before = sorted(t.id for t in queries.themes_of(db, [story.id])[story.id])
    after = sorted({t for t in wanted if t is not None})
    db.execute(delete(StoryTheme).where(col(StoryTheme.story_id) == story.id))
    db.add_all(StoryTheme(story_id=story.id, theme_id=t) for t in after)
    audit.record(db, actor, "code_story", "story", story.id, {"themes": before}, {"themes": after})


def link(*, db: Session, actor: User, story_id: int, decisions: str, ideas: str) -> None:
    """Set the decisions and ideas a story is about, by their numbers, each of which must
    exist."""
    _staff(actor)
    story = _story(db, story_id)
    errors: dict[str, str] = {}
    decision_ids = linked_ids(
        decisions,
        lambda ids: decisions_q.titles(db, ids),
        field="decisions",
        errors=errors,
        bad_format=_("Enter decision numbers separated by commas, like 3, 4."),
        missing=lambda ids: _("There is no decision number %(ids)s.", ids=ids),
    )
    idea_ids = linked_ids(
        ideas,
        lambda ids: ideas_q.titles(db, ids),
        field="ideas",
        errors=errors,
        bad_format=_("Enter idea numbers separated by commas, like 12, 31."),
        missing=lambda ids: _("There is no idea number %(ids)s.", ids=ids),
    )
    if errors:
        raise ValidationError(errors)
    before = {
        "decisions": queries.decision_ids(db, story.id),
        "ideas": queries.idea_ids(db, story.id),
    }
    db.execute(delete(StoryDecision).where(col(StoryDecision.story_id) == story.id))
    db.execute(delete(StoryIdea).where(col(StoryIdea.story_id) == story.id))
    db.add_all(StoryDecision(story_id=story.id, decision_id=d) for d in decision_ids)
    db.add_all(StoryIdea(story_id=story.id, idea_id=i) for i in idea_ids)
    after = {"decisions": decision_ids, "ideas": idea_ids}
    audit.record(db, actor, "link_story", "story", story.id, before, after)


def publish(*, db: Session, actor: User, story_id: int) -> Story:
    """Publish a story, which only its author's consent allows."""
    _staff(actor)
    story = _story(db, story_id)
    if not story.consent:
        raise ValidationError(
            {"publish": _("The author did not agree to publication, so it stays private.")}
        )
    if story.published_at is None:
        story.published_at = utcnow()
        db.add(story)
        audit.record(db, actor, "publish_story", "story", story.id)
    return story


def unpublish(*, db: Session, actor: User, story_id: int) -> Story:
    """Take a published story back to private."""
    _staff(actor)
    story = _story(db, story_id)
    if story.published_at is not None:
        story.published_at = None
        db.add(story)
        audit.record(db, actor, "unpublish_story", "story", story.id)
    return story
