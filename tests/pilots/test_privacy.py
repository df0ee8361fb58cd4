"""A person's cohorts in their data export; deleting the account takes them out of every
cohort, each count with them."""

from __future__ import annotations

from portal import domains
from portal.accounts import privacy
from portal.core import db
from portal.pilots.models import Pilot
from tests import factories as f
from tests.pilots import join, pilot, piloting, stored


def test_export_holds_the_cohorts_the_person_joined(engine, staff, patron, other_patron):
    found = pilot(engine, staff, piloting(engine, staff).id)
    join(engine, patron, found.id)
    join(engine, other_patron, found.id)
    with db.read(engine) as s:
        data = privacy.export(s, patron)
    assert [row["pilot_id"] for row in data["pilots_joined"]] == [found.id]
    assert data["pilots_joined"][0]["user_id"] == patron.id


def test_deleting_the_account_leaves_no_membership_and_the_count_follows(
    engine, staff, patron, other_patron
):
    first = pilot(engine, staff, piloting(engine, staff).id)
    second = pilot(engine, staff, piloting(engine, staff).id)
    for found in (first, second):
        join(engine, patron, found.id)
    join(engine, other_patron, first.id)
    with db.write(engine) as s:
        privacy.delete_account(db=s, actor=patron, password_ok=True)
    assert stored(engine)["pilot_member"] == 1
    assert f.get(engine, Pilot, first.id).member_count == 1
    assert f.get(engine, Pilot, second.id).member_count == 0
    assert domains.check(engine).findings == []
