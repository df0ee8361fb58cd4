"""What pages say of questions: the words for their kinds, and a question's or an option's
text in the reader's language (English when it has no Chinese)."""

from __future__ import annotations

from portal.choices.queries import parse_ranking
from portal.core import i18n
from portal.core.i18n import _
from portal.web.templating import template_globals


def kind_label(code: str) -> str:
    return {"pick": _("Pick one"), "rank": _("Rank them")}.get(code, code)


def choice_text(row: object) -> str:
    """`text_zh` for a Chinese reader when there is one, else `text`."""
    text_zh = getattr(row, "text_zh", "")
    return text_zh if i18n.get_locale() == "zh_Hans" and text_zh else getattr(row, "text", "")


template_globals(
    choice_kind_label=kind_label, choice_text=choice_text, parse_choice_ranking=parse_ranking
)
