"""Who sees the assessment figures: the scorecard is public, the dashboard is for staff."""

from __future__ import annotations

from portal.accounts.models import User


def can_see_dashboard(user: User | None) -> bool:
    """Staff read /staff/assessment and download its tables."""
    return user is not None and user.is_staff
