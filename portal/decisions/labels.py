"""What pages and emails say of decisions: the words for their outcomes, in the reader's
language."""

from __future__ import annotations

from portal.core.i18n import _
from portal.web.templating import template_globals


def outcome_label(code: str) -> str:
    return {
        "adopted": _("Adopted"),
        "piloting": _("Piloting"),
        "declined": _("Declined"),
        "deferred": _("Deferred"),
    }.get(code, code)


template_globals(outcome_label=outcome_label)
