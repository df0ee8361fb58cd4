"""Who may report, moderate, block whom, and read the audit log."""

from __future__ import annotations

from portal.accounts import services as accounts
from portal.core import db
from portal.moderation import permissions
from tests.conftest import make_user


def _blocked(engine, user):
    with db.write(engine) as s:
        return accounts.set_blocked(db=s, user_id=user.id, blocked=True)


def test_can_flag_when_signed_in_and_not_blocked(engine, patron, committee, staff):
    for user in (patron, committee, staff):
        assert permissions.can_flag(user)
    assert not permissions.can_flag(_blocked(engine, patron))
    assert not permissions.can_flag(None)


def test_can_moderate_only_as_staff(patron, committee, staff, admin):
    assert permissions.can_moderate(staff)
    assert permissions.can_moderate(admin)
    assert not permissions.can_moderate(patron)
    assert not permissions.can_moderate(committee)
    assert not permissions.can_moderate(None)


def test_can_block_patrons_and_committee_members_as_staff(patron, committee, staff, admin):
    for person in (patron, committee):
        assert permissions.can_block(staff, person)
        assert permissions.can_block(admin, person)


def test_can_block_staff_only_as_admin(engine, staff, admin):
    colleague = make_user(engine, "staff")
    assert not permissions.can_block(staff, colleague)
    assert permissions.can_block(admin, colleague)


def test_can_block_nobody_who_is_an_admin_or_oneself(engine, staff, admin):
    other_admin = make_user(engine, "admin")
    assert not permissions.can_block(admin, other_admin)
    assert not permissions.can_block(staff, admin)
    assert not permissions.can_block(admin, admin)
    assert not permissions.can_block(staff, staff)


def test_can_block_nobody_without_moderating(patron, other_patron, committee):
    assert not permissions.can_block(patron, other_patron)
    assert not permissions.can_block(committee, patron)
    assert not permissions.can_block(None, patron)


def test_can_read_audit_only_as_admin(patron, staff, admin):
    assert permissions.can_read_audit(admin)
    assert not permissions.can_read_audit(staff)
    assert not permissions.can_read_audit(patron)
    assert not permissions.can_read_audit(None)
