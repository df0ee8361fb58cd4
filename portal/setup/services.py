"""Writes of the setup domain: an admin saves the site's settings."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import addresses
from portal.accounts.models import User
from portal.core.clock import utcnow
from portal.core.errors import Forbidden, ValidationError
from portal.core.i18n import _
from portal.moderation import audit
from portal.setup import permissions
from portal.setup.models import RESPONSE_DAYS_MAX, SiteSettings

NAME_MAX = 80
WELCOME_MAX = 3000
FIELDS = ("site_name", "welcome_en", "welcome_zh", "contact_email", "response_days")
# Control characters but tab and newline: no place in a name shown in every page's title or
# in an address. A text may hold them like any other (the Markdown filter drops them), but
# not NUL, which no database column can store.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


def _text(value: str, limit: int, key: str, errors: dict[str, str], *, line: bool) -> str:
    if _CONTROL.search(value) if line else "\x00" in value:
        errors[key] = _("Remove the invisible control characters from your text.")
    elif len(value) > limit:
        errors[key] = _("Use at most %(n)s characters here.", n=limit)
    return value


def _days(raw: str, errors: dict[str, str]) -> int:
    try:
        days = int(raw.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= RESPONSE_DAYS_MAX:
        errors["response_days"] = _(
            "Enter a whole number of days from 1 to %(n)s.", n=RESPONSE_DAYS_MAX
        )
    return days


def _clean(form: dict[str, str]) -> dict[str, object]:
    raw = {k: (form.get(k) or "") for k in FIELDS}
    errors: dict[str, str] = {}
    values: dict[str, object] = {
        "site_name": _text(
            " ".join(raw["site_name"].split()), NAME_MAX, "site_name", errors, line=True
        ),
        **{
            key: _text(raw[key].replace("\r\n", "\n").strip(), WELCOME_MAX, key, errors, line=False)
            for key in ("welcome_en", "welcome_zh")
        },
        "response_days": _days(raw["response_days"], errors),
    }
    email = raw["contact_email"].strip()
    if email:  # checked and stored like the addresses of accounts
        email = addresses.normalised(email) or ""
        if not email:
            errors["contact_email"] = _("Enter an email address like library@example.org.")
    values["contact_email"] = email
    if errors:
        raise ValidationError(errors)
    return values


def save(*, db: Session, actor: User, form: dict[str, str]) -> SiteSettings:
    """Save the site's name (empty: the SITE_NAME setting), welcome texts, contact address
    and response promise. Like every write, it moves the site's data version, so every
    process shows the change on its next page."""
    if not permissions.can_manage(actor):
        raise Forbidden()
    values = _clean(form)
    row = db.execute(
        select(SiteSettings).where(col(SiteSettings.id) == 1).with_for_update()
    ).scalar_one_or_none() or SiteSettings(id=1)
    before = {k: getattr(row, k) for k in FIELDS}
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    db.add(row)
    audit.record(db, actor, "change_settings", "site_settings", 1, before, values)
    return row
