"""What pages say of design sessions: the words for their kinds and audiences, in the reader's
language."""

from __future__ import annotations

from portal.core.i18n import _
from portal.web.templating import template_globals


def session_kind_label(code: str) -> str:
    return {
        "workshop": _("Workshop"),
        "focus_group": _("Focus group"),
        "committee_meeting": _("Committee meeting"),
        "usability_test": _("Usability test"),
    }.get(code, code)


def audience_label(code: str) -> str:
    return {"public": _("Open to everyone"), "committee": _("Committee only")}.get(code, code)


template_globals(session_kind_label=session_kind_label, audience_label=audience_label)
