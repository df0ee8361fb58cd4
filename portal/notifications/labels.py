"""What pages say of notifications: the kinds of event people choose email for, and the ways
they can have it, in the reader's language."""

from __future__ import annotations

from portal.core.i18n import _
from portal.web.templating import template_globals


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
        "survey": _("Invitations to surveys, and one reminder before a survey closes"),
        "triage": _("Ideas my team leads or is asked to look at (staff)"),
        "outputs": _(
            "What a design session I had a place in produced is published, and comments on it"
        ),
    }.get(code, code)


def mode_label(code: str) -> str:
    return {
        "immediate": _("Email me at once"),
        "digest": _("Once a day, in a digest"),
        "off": _("No email"),
    }.get(code, code)


template_globals(kind_label=kind_label, mode_label=mode_label)
