"""Words people read for stored codes (statuses, origins, sorts, roles), in their language."""

from __future__ import annotations

from portal.core.i18n import _


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
        "new": _("Newest"),
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


def outcome_label(code: str) -> str:
    return {
        "adopted": _("Adopted"),
        "piloting": _("Piloting"),
        "declined": _("Declined"),
        "deferred": _("Deferred"),
    }.get(code, code)


def kind_label(code: str) -> str:
    """Event types people choose email for."""
    return {
        "comment": _("New comments and replies on ideas I follow"),
        "status": _("Status changes on ideas I follow"),
        "decision": _("Decisions on ideas I took part in"),
        "waitlist": _("A place for me in a full design session"),
        "reminder": _("Reminders of design sessions I registered for"),
        "cancelled": _("A design session I registered for is cancelled"),
        "released": _(
            "My registration for a committee session is released when my membership ends"
        ),
    }.get(code, code)


def mode_label(code: str) -> str:
    return {
        "immediate": _("Email me at once"),
        "digest": _("Once a day, in a digest"),
        "off": _("No email"),
    }.get(code, code)


def session_kind_label(code: str) -> str:
    return {
        "workshop": _("Workshop"),
        "focus_group": _("Focus group"),
        "committee_meeting": _("Committee meeting"),
        "usability_test": _("Usability test"),
    }.get(code, code)


def audience_label(code: str) -> str:
    return {"public": _("Open to everyone"), "committee": _("Committee only")}.get(code, code)
