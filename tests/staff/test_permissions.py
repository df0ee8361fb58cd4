"""Who may use the staff desk, and who sees the site's setup checklist on it."""

from __future__ import annotations

from portal.staff import permissions


def test_can_use_desk_only_as_staff(patron, committee, staff, admin):
    assert permissions.can_use_desk(staff)
    assert permissions.can_use_desk(admin)
    assert not permissions.can_use_desk(patron)
    assert not permissions.can_use_desk(committee)
    assert not permissions.can_use_desk(None)


def test_can_see_setup_checklist_only_as_admin(patron, staff, admin):
    assert permissions.can_see_setup_checklist(admin)
    assert not permissions.can_see_setup_checklist(staff)
    assert not permissions.can_see_setup_checklist(patron)
    assert not permissions.can_see_setup_checklist(None)
