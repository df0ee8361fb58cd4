"""What pages say of the desk's codes, in the reader's language."""

from __future__ import annotations

from portal.core.i18n import _
from portal.web.templating import template_globals


def desk_kind_label(code: str) -> str:
    return {"idea": _("A new idea"), "comment": _("A comment"), "vote": _("A vote")}.get(code, code)


template_globals(desk_kind_label=desk_kind_label)
