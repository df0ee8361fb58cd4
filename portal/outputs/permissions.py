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


def has_started(workshop: Workshop, now: datetime) -> bool:
    """Outputs are recorded once a session has begun, never for a cancelled one."""
    return workshop.cancelled_at is None and aware(workshop.starts_at) <= now
