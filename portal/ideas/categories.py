"""Writes of categories, by admins: add, rename, move up or down, archive, restore, delete.

An archived category is offered nowhere (the new-idea form, the filters) but stays on its
ideas. A category that any idea uses cannot be deleted, only archived: the database refuses
it too (the idea's foreign key), so a delete that races a new idea fails cleanly.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.ideas import permissions, queries
from portal.ideas.models import Category
from portal.moderation import audit

NAME_MAX = 80
SLUG_MAX = 60
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _allowed(actor: User) -> None:
    if not permissions.can_manage_categories(actor):
        raise Forbidden()


def _get(db: Session, category_id: int) -> Category:
    category = db.execute(
        select(Category).where(col(Category.id) == category_id).with_for_update()
    ).scalar_one_or_none()
    if category is None:
        raise NotFound()
    return category


def _clean(name: str, limit: int) -> str:
    return " ".join((name or "").split())[: limit + 1]


def _names(db: Session, name: str, name_zh: str, *, same: int | None = None) -> tuple[str, str]:
    """Check an English and a Chinese name: the English one is required, and neither may be
    another category's (archived ones included, letter case ignored)."""
    name, name_zh = _clean(name, NAME_MAX), _clean(name_zh, NAME_MAX)
    errors: dict[str, str] = {}
    for key, value in (("name", name), ("name_zh", name_zh)):
        if len(value) > NAME_MAX:
            errors[key] = _("Use at most %(n)s characters for the name.", n=NAME_MAX)
        elif _CONTROL.search(value):  # a name is one line
            errors[key] = _("Remove the invisible control characters from your text.")
    if not name:
        errors["name"] = _("Enter the category's name in English.")
    others = [c for c in queries.categories(db) if c.id != same]
    for key, value in (("name", name), ("name_zh", name_zh)):
        taken = next(
            (c for c in others if value and getattr(c, key).casefold() == value.casefold()), None
        )
        if taken is not None and key not in errors:
            errors[key] = (
                _("An archived category is called “%(name)s”: restore it instead.", name=value)
                if taken.archived_at
                else _("There is already a category called “%(name)s”.", name=value)
            )
    if errors:
        raise ValidationError(errors)
    return name, name_zh


def slug_for(db: Session, name: str) -> str:
    """An address-friendly name from the English one ("Study spaces" -> "study-spaces"),
    unique among all categories."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[: SLUG_MAX - 4].strip("-")
    base = base or "category"
    taken = set(db.execute(select(col(Category.slug))).scalars())
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def add(*, db: Session, actor: User, name: str, name_zh: str = "") -> Category:
    """Add a category at the end of the list."""
    _allowed(actor)
    name, name_zh = _names(db, name, name_zh)
    last = db.execute(select(func.max(col(Category.position)))).scalar()
    category = Category(
        slug=slug_for(db, name),
        name=name,
        name_zh=name_zh,
        position=(last if last is not None else -1) + 1,
    )
    try:
        with db.begin_nested():  # two admins adding the same name at once: one slug wins
            db.add(category)
    except IntegrityError as exc:
        raise ValidationError(
            {"name": _("Someone added a category at the same moment. Please try again.")}
        ) from exc
    audit.record(db, actor, "add_category", "category", category.id, None, _state(category))
    return category


def rename(*, db: Session, actor: User, category_id: int, name: str, name_zh: str) -> Category:
    """Change a category's names (its slug, and so its links, stay)."""
    _allowed(actor)
    category = _get(db, category_id)
    before = _state(category)
    category.name, category.name_zh = _names(db, name, name_zh, same=category.id)
    db.add(category)
    audit.record(db, actor, "rename_category", "category", category.id, before, _state(category))
    return category


def move(*, db: Session, actor: User, category_id: int, direction: str) -> None:
    """Move an active category one place up or down the list."""
    _allowed(actor)
    category = _get(db, category_id)
    if direction not in ("up", "down") or category.archived_at is not None:
        raise NotFound()
    order = queries.active_categories(db)
    at = [c.id for c in order].index(category.id)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
    for position, row in enumerate(order):
        row.position = position
        db.add(row)
    audit.record(db, actor, "move_category", "category", category.id, None, {"to": direction})


def archive(*, db: Session, actor: User, category_id: int) -> Category:
    """Stop offering a category; its ideas keep it."""
    _allowed(actor)
    category = _get(db, category_id)
    if category.archived_at is None:
        category.archived_at = utcnow()
        db.add(category)
        audit.record(db, actor, "archive_category", "category", category.id)
    return category


def restore(*, db: Session, actor: User, category_id: int) -> Category:
    """Offer an archived category again, at the end of the list."""
    _allowed(actor)
    category = _get(db, category_id)
    if category.archived_at is not None:
        last = db.execute(
            select(func.max(col(Category.position))).where(col(Category.archived_at).is_(None))
        ).scalar()
        category.archived_at = None
        category.position = (last if last is not None else -1) + 1
        db.add(category)
        audit.record(db, actor, "restore_category", "category", category.id)
    return category


def delete(*, db: Session, actor: User, category_id: int) -> None:
    """Delete a category that no idea uses; one with ideas can only be archived."""
    _allowed(actor)
    category = _get(db, category_id)
    in_use = _("Ideas are filed under this category, so it can only be archived.")
    if queries.count(db, category_id=category.id):
        raise ValidationError({"delete": in_use})
    state = _state(category)
    try:
        with db.begin_nested():
            db.delete(category)
    except IntegrityError as exc:  # an idea was filed under it meanwhile
        raise ValidationError({"delete": in_use}) from exc
    audit.record(db, actor, "delete_category", "category", category_id, state, None)


def _state(category: Category) -> dict[str, str]:
    return {"slug": category.slug, "name": category.name, "name_zh": category.name_zh}
