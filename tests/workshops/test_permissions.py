"""Who sees committee sessions and who may have the private calendar address of them: members
whose term has not ended, staff and admins; never a blocked person's address."""

from __future__ import annotations

from datetime import timedelta

from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.core import db
from portal.core.clock import utcnow
from portal.workshops import permissions
from tests.factories import get
from tests.workshops.test_committee import set_term


def test_can_see_committee_sessions_as_member_staff_or_admin(patron, committee, staff, admin):
    for user in (committee, staff, admin):
        assert permissions.can_see_committee_sessions(user)
        assert permissions.audiences_for(user) == ("public", "committee")
    assert not permissions.can_see_committee_sessions(patron)
    assert not permissions.can_see_committee_sessions(None)
    assert permissions.audiences_for(patron) == ("public",)


def test_can_see_committee_sessions_ends_with_the_term(engine, committee):
    set_term(engine, committee.id, utcnow().date())
    assert permissions.can_see_committee_sessions(get(engine, User, committee.id))
    set_term(engine, committee.id, utcnow().date() - timedelta(days=1))
    assert not permissions.can_see_committee_sessions(get(engine, User, committee.id))


def test_can_have_calendar_address_as_member_not_blocked(engine, patron, committee, staff):
    assert permissions.can_have_calendar_address(committee)
    assert permissions.can_have_calendar_address(staff)
    assert not permissions.can_have_calendar_address(patron)
    assert not permissions.can_have_calendar_address(None)
    with db.write(engine) as s:
        blocked = accounts.set_blocked(db=s, user_id=committee.id, blocked=True)
    assert not permissions.can_have_calendar_address(blocked)


def test_can_have_calendar_address_ends_with_the_term(engine, committee):
    set_term(engine, committee.id, utcnow().date() - timedelta(days=1))
    assert not permissions.can_have_calendar_address(get(engine, User, committee.id))
