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


def stance_label(code: str) -> str:
    """A committee member's advice on a draft decision."""
    return {"support": _("Support"), "concerns": _("Concerns"), "oppose": _("Oppose")}.get(
        code, code
    )


template_globals(outcome_label=outcome_label, stance_label=stance_label)
