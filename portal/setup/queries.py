"""Reads of the setup domain: the site's settings as pages use them, and what a new site
still needs set up."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session

from portal.core.db import table_of
from portal.core.i18n import _
from portal.core.prepared import Prepared
from portal.ideas import queries as ideas_q
from portal.settings import Settings
from portal.setup.models import RESPONSE_DAYS, SiteSettings
from portal.teams import queries as teams_q
from portal.web.urls import path_for

# The name a site has when nobody chose one (neither here nor with SITE_NAME).
BUILT_IN_NAME = next(f.default for f in dataclasses.fields(Settings) if f.name == "site_name")


@dataclass(frozen=True)
class Site:
    """The settings every page reads: the site's name (an admin's, else SITE_NAME), the
    welcome text in both languages, the contact address and the response promise."""

    name: str
    named: bool
    welcome_en: str = ""
    welcome_zh: str = ""
    contact_email: str = ""
    response_days: int = RESPONSE_DAYS

    def welcome(self, locale: str) -> tuple[str, str]:
        """The welcome text in the reader's language, or else in the other one, with the
        language it is written in (an HTML `lang`)."""
        texts = [("zh-Hans", self.welcome_zh), ("en", self.welcome_en)]
        if locale != "zh_Hans":
            texts.reverse()
        return next(((text, lang) for lang, text in texts if text), ("", ""))


# Built once and run as a prepared statement: every page reads the settings, and an ORM
# session costs ten times the query.
_settings = table_of(SiteSettings)
_SITE = Prepared(select(_settings).where(_settings.c.id == 1))


def site_on(conn: Connection, default_name: str) -> Site:
    """The site's settings for pages, read on a plain connection."""
    found = _SITE.first(conn, {})
    return from_row(found if found is not None else SiteSettings(id=1), default_name)


def row(db: Session) -> SiteSettings:
    """The settings row (made by the migration; an unsaved default if it is missing)."""
    return db.get(SiteSettings, 1) or SiteSettings(id=1)


def site(db: Session, default_name: str) -> Site:
    """The site's settings, with `default_name` (SITE_NAME) when no admin named it."""
    return from_row(row(db), default_name)


def from_row(settings: SiteSettings | Any, default_name: str) -> Site:
    """The settings of `settings`: the model, or a row with its columns."""
    return Site(
        name=settings.site_name or default_name,
        named=bool(settings.site_name) or default_name != BUILT_IN_NAME,
        welcome_en=settings.welcome_en,
        welcome_zh=settings.welcome_zh,
        contact_email=settings.contact_email,
        response_days=settings.response_days,
    )


@dataclass(frozen=True)
class Step:
    """Something a new site still needs, and where an admin does it."""

    label: str
    href: str


def checklist(db: Session, site: Site) -> list[Step]:
    """What is not set up yet, computed from the data: each step goes once it is done."""
    steps = [
        (site.named, _("Name the site"), path_for("setup:settings", fragment="site_name")),
        (
            bool(ideas_q.active_categories(db)),
            _("Add categories"),
            path_for("categories:index", fragment="name"),
        ),
        (
            bool(teams_q.active(db)),
            _("Add the library's teams"),
            path_for("teams:index", fragment="name"),
        ),
        (
            bool(site.welcome_en or site.welcome_zh),
            _("Write the welcome text"),
            path_for("setup:settings", fragment="welcome_en"),
        ),
        (
            bool(site.contact_email),
            _("Set the contact address"),
            path_for("setup:settings", fragment="contact_email"),
        ),
    ]
    return [Step(label, href) for done, label, href in steps if not done]
