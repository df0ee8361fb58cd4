"""What pages say of accounts: the words for the roles, in the reader's language."""

from __future__ import annotations

from portal.core.i18n import _
from portal.web.templating import template_globals


def role_label(code: str) -> str:
    return {
        "patron": _("Patron"),
        "committee": _("Committee member"),
        "staff": _("Staff"),
        "admin": _("Administrator"),
    }.get(code, code)


template_globals(role_label=role_label)
