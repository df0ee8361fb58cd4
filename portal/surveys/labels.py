"""What pages and emails say of surveys: the words for scales, audiences, user groups and
rating columns, in the reader's language."""

from __future__ import annotations

from datetime import date, timedelta

from portal.core import i18n
from portal.core.i18n import _
from portal.surveys.models import Round
from portal.web.templating import template_globals


def scale_label(scale: str, points: int) -> str:
    if scale == "three":
        return _("Minimum, desired and perceived, from 1 to 9")
    return _("One rating, from 1 to %(n)s", n=points)


def scale_choices() -> list[tuple[str, str]]:
    """The scales a survey can have, as the form offers them."""
    return [
        ("single5", scale_label("single", 5)),
        ("single7", scale_label("single", 7)),
        ("three", scale_label("three", 9)),
    ]


def audience_label(code: str) -> str:
    return {
        "everyone": _("Everyone signed in"),
        "committee": _("The advisory committee"),
        "participants": _("People who took part in given ideas, sessions or decisions"),
    }.get(code, code)


def group_label(code: str) -> str:
    return {
        "undergraduate": _("Undergraduate student"),
        "postgraduate": _("Postgraduate student"),
        "researcher": _("Researcher or faculty"),
        "staff": _("Staff of the institution"),
        "community": _("Community member"),
        "distance": _("Distance learner"),
        "": _("Not given"),
        "other": _("Smaller groups together"),
    }.get(code, code)


def column_label(code: str) -> str:
    return {
        "rating": _("Your rating"),
        "minimum": _("Minimum: the least you would accept"),
        "desired": _("Desired: what you would like"),
        "perceived": _("Perceived: what you get now"),
    }.get(code, code)


def last_day(rnd: Round) -> date:
    """The last day a round is open (its close is the start of the next day)."""
    return (rnd.closes_at - timedelta(seconds=1)).date()


def local_text(row: object, field: str = "text") -> str:
    """A survey's text (title, item, question) in the reader's language, or in English."""
    zh = getattr(row, f"{field}_zh", "")
    return zh if i18n.get_locale() == "zh_Hans" and zh else getattr(row, field, "")


template_globals(
    survey_scale_label=scale_label,
    survey_scales=scale_choices,
    survey_audience_label=audience_label,
    survey_group_label=group_label,
    survey_column_label=column_label,
    survey_text=local_text,
    survey_last_day=last_day,
)
