"""How an idea is named to a reader.

The moderators' rule: an idea they hid is named only to staff and to its author; everyone
else reads "Hidden idea". Every page, email, feed, calendar file and API answer that prints an
idea's title takes it from `title()` (in templates, `idea_title(idea, user)`), so the rule
lives in one place and a new place that names ideas cannot forget it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from portal.core.i18n import _
from portal.ideas import permissions


class Nameable(Protocol):
    # Read-only members, so that a frozen Named fits as well as an Idea.
    @property
    def title(self) -> str: ...
    @property
    def hidden_at(self) -> datetime | None: ...
    @property
    def author_id(self) -> int | None: ...


@dataclass(frozen=True)
class Named:
    """What naming an idea takes, without the rest of its row: for emails, whose facts are
    read once per event and shared by every recipient, and for lists of ids."""

    id: int
    title: str
    hidden_at: datetime | None
    author_id: int | None

    @classmethod
    def of(cls, idea: Any) -> Named:
        return cls(idea.id, idea.title, idea.hidden_at, idea.author_id)


def title(idea: Nameable | None, reader: Any) -> str:
    """The idea's title as `reader` (a user, or None for a visitor or a public feed) may see
    it, in the current language."""
    if idea is None:
        return ""
    return idea.title if permissions.can_read(reader, idea) else _("Hidden idea")
