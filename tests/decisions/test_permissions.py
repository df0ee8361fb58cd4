"""Who may publish, correct and review decisions, and answer a decision's follow-up."""

from __future__ import annotations

import pytest

from portal.decisions import permissions

STAFF_ONLY = [permissions.can_publish, permissions.can_correct, permissions.can_record_review]


@pytest.mark.parametrize("rule", STAFF_ONLY)
def test_decisions_are_published_corrected_and_reviewed_only_by_staff(
    rule, patron, committee, staff, admin
):
    assert rule(staff)
    assert rule(admin)
    assert not rule(patron)
    assert not rule(committee)
    assert not rule(None)


def test_can_answer_follow_up_only_when_notified(patron, staff):
    assert permissions.can_answer_follow_up(patron, notified=True)
    assert not permissions.can_answer_follow_up(patron, notified=False)
    # Staff are asked like everyone else: only about decisions they were told of.
    assert not permissions.can_answer_follow_up(staff, notified=False)
    assert not permissions.can_answer_follow_up(None, notified=True)
