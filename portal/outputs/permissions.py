"""Who may record what a session produced. Checked by the services and routes."""

from __future__ import annotations

from datetime import datetime

from portal.accounts.models import User
from portal.core.clock import aware
from portal.workshops import permissions as workshop_rules
from portal.workshops.models import Workshop


def can_link(user: User | None) -> bool:
    """Staff who manage sessions link the ideas a session created or changed."""
    return workshop_rules.can_manage(user)


def are_published(workshop: Workshop) -> bool:
    """What a session produced is up: its notes were published once it had begun (notes
    written before it are not its outputs), and it was not cancelled."""
    return (
        workshop.cancelled_at is None
        and workshop.notes_published_at is not None
        and aware(workshop.notes_published_at) >= aware(workshop.starts_at)
    )


def has_started(workshop: Workshop, now: datetime) -> bool:
    """Outputs are recorded once a session has begun, never for a cancelled one."""
    return workshop.cancelled_at is None and aware(workshop.starts_at) <= now
