"""Who may see the emails that could not be sent, and send them again."""

from __future__ import annotations

from portal.notifications import permissions


def test_can_retry_emails_only_as_staff(patron, committee, staff, admin):
    assert permissions.can_retry_emails(staff)
    assert permissions.can_retry_emails(admin)
    assert not permissions.can_retry_emails(patron)
    assert not permissions.can_retry_emails(committee)
    assert not permissions.can_retry_emails(None)
