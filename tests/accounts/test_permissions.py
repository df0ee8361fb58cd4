"""Who may take part, change roles (not their own) and manage the committee."""

from __future__ import annotations

import pytest

from portal.accounts import permissions
from portal.accounts import services as accounts
from portal.core import db
from portal.core.errors import Forbidden, Unconfirmed
from tests.conftest import make_user


def test_can_set_roles_only_as_admin(patron, committee, staff, admin):
    assert permissions.can_set_roles(admin)
    for user in (patron, committee, staff, None):
        assert not permissions.can_set_roles(user)


def test_can_set_role_of_others_but_never_ones_own(engine, patron, staff, admin):
    other_admin = make_user(engine, "admin")
    assert permissions.can_set_role(admin, patron.id)
    assert permissions.can_set_role(admin, other_admin.id)
    assert not permissions.can_set_role(admin, admin.id)
    assert not permissions.can_set_role(staff, patron.id)
    assert not permissions.can_set_role(None, patron.id)


def test_can_manage_committee_only_as_admin(patron, committee, staff, admin):
    assert permissions.can_manage_committee(admin)
    for user in (patron, committee, staff, None):
        assert not permissions.can_manage_committee(user)


def test_take_part_refuses_blocked_and_unconfirmed_people(engine, patron):
    permissions.take_part(patron)
    with db.write(engine) as s:
        blocked = accounts.set_blocked(db=s, user_id=patron.id, blocked=True)
    with pytest.raises(Forbidden):
        permissions.take_part(blocked)
    newcomer = make_user(engine)
    newcomer.email_confirmed_at = None
    with pytest.raises(Unconfirmed):
        permissions.take_part(newcomer)
