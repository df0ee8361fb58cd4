"""What pages say of accounts: the words for the roles and user groups, in the reader's
language."""

from __future__ import annotations

from portal.accounts.models import USER_GROUPS
from portal.core.i18n import _
from portal.web.templating import template_globals


def role_label(code: str) -> str:
    return {
        "patron": _("Patron"),
        "committee": _("Committee member"),
        "staff": _("Staff"),
        "admin": _("Administrator"),
    }.get(code, code)


def group_label(code: str) -> str:
    """A user group's name; "" is the person's choice not to say."""
    return {
        "undergraduate": _("Undergraduate student"),
        "postgraduate": _("Postgraduate student"),
        "researcher": _("Researcher or faculty"),
        "staff": _("Staff of the institution"),
        "community": _("Community member"),
        "distance": _("Distance learner"),
        "": _("I would rather not say"),
    }.get(code, code)


def group_choices() -> list[tuple[str, str]]:
    """The groups /account offers, "prefer not to say" first."""
    return [(code, group_label(code)) for code in ("", *USER_GROUPS)]


template_globals(role_label=role_label, user_group_label=group_label, user_groups=group_choices)
