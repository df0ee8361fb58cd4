"""What pages and emails say of ideas: the words for their stored codes (statuses, origins,
sorts) in the reader's language, and the one way to name an idea (portal.ideas.names), offered
to every template."""

from __future__ import annotations

from functools import cache

from portal.core.i18n import _, get_locale
from portal.ideas import names, permissions
from portal.web.templating import template_filters, template_globals


def status_label(code: str) -> str:
    return _status_labels(get_locale()).get(code, code)


@cache
def _status_labels(locale: str) -> dict[str, str]:
    """The words for every status in `locale` (the current one: `_` reads it), built once per
    locale: a list page names a status for each of its 20 cards."""
    return {
        "new": _("New"),
        "under_review": _("Under review"),
        "planned": _("Planned"),
        "piloting": _("Piloting"),
        "done": _("Done"),
        "declined": _("Declined"),
        "duplicate": _("Duplicate"),
    }


def origin_label(code: str) -> str:
    return {"patron": _("Patron idea"), "library": _("Library proposal")}.get(code, code)


def source_label(code: str) -> str:
    """Where a contribution came in, as a page shows it discreetly beside it."""
    return {
        "web": _("On the site"),
        "email": _("By email"),
        "desk": _("From the desk"),
        "card": _("From a comment card"),
        "phone": _("By phone"),
        "chat": _("From a chat"),
    }.get(code, code)


def sort_label(code: str) -> str:
    return {
        "top": _("Top"),
        "new": _("Newest"),
        "trending": _("Trending"),
        "discussed": _("Most discussed"),
    }.get(code, code)


def zip_labels(codes: list[str]) -> list[tuple[str, str]]:
    """Statuses with their words, for a list of choices."""
    return [(code, status_label(code)) for code in codes]


template_globals(
    status_label=status_label,
    origin_label=origin_label,
    source_label=source_label,
    sort_label=sort_label,
    # The one way a template names an idea or shows its text: hidden ones only to staff and
    # their author (portal/ideas/names.py).
    idea_title=names.title,
    can_read_idea=permissions.can_read,
)
template_filters(zip_labels=zip_labels)
