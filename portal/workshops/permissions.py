"""Who may see and join which design sessions. Committee-only sessions do not exist (404) for
anyone who is not a committee member, staff or admin."""

from __future__ import annotations

from portal.accounts.models import User
from portal.workshops.models import Workshop


def can_see(user: User | None, workshop: Workshop) -> bool:
    return workshop.audience == "public" or (user is not None and user.is_committee)


def can_manage(user: User | None) -> bool:
    return user is not None and user.is_staff


def audiences_for(user: User | None) -> tuple[str, ...]:
    return ("public", "committee") if user is not None and user.is_committee else ("public",)
