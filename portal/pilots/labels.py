"""The words for a pilot review's outcomes, offered to templates."""

from __future__ import annotations

from portal.core.i18n import _
from portal.web.templating import template_globals


def pilot_outcome_label(code: str) -> str:
    """A review's outcome, as pages name it."""
    return {
        "adopt": _("Adopt the change"),
        "extend": _("Extend the pilot"),
        "repilot": _("Change it and pilot again"),
        "stop": _("Stop"),
    }.get(code, code)


template_globals(pilot_outcome_label=pilot_outcome_label)
