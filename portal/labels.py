"""Words people read for stored codes (statuses, origins, sorts, roles), in their language."""

from __future__ import annotations

from portal.i18n import _


def status_label(code: str) -> str:
    return {
        "new": _("New"),
        "under_review": _("Under review"),
        "planned": _("Planned"),
        "piloting": _("Piloting"),
        "done": _("Done"),
        "declined": _("Declined"),
        "duplicate": _("Duplicate"),
    }.get(code, code)


def origin_label(code: str) -> str:
    return {"patron": _("Patron idea"), "library": _("Library proposal")}.get(code, code)


def sort_label(code: str) -> str:
    return {
        "top": _("Top"),
        "new": _("New"),
        "trending": _("Trending"),
        "discussed": _("Most discussed"),
    }.get(code, code)


def role_label(code: str) -> str:
    return {
        "patron": _("Patron"),
        "committee": _("Committee member"),
        "staff": _("Staff"),
        "admin": _("Administrator"),
    }.get(code, code)


def category_label(category: object, locale: str) -> str:
    name_zh = getattr(category, "name_zh", "")
    return name_zh if locale == "zh_Hans" and name_zh else getattr(category, "name", "")
