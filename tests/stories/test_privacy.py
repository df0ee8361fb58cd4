"""A person's stories in their data export, and what deleting the account does to them: a
story told with consent to publish stays without its author, any other goes with its links."""

from __future__ import annotations

from portal.accounts import privacy
from portal.core import db
from portal.stories import services
from portal.stories.models import Story, StoryTheme
from tests import factories as f
from tests.stories import publish, stored, tell, theme


def test_export_holds_the_persons_stories_only(engine, patron, other_patron):
    mine = tell(engine, patron)
    tell(engine, other_patron)
    with db.read(engine) as s:
        data = privacy.export(s, patron)
    assert [row["id"] for row in data["stories"]] == [mine.id]
    assert data["stories"][0]["happened"] == mine.happened


def test_deleting_the_account_keeps_consented_stories_without_the_author(engine, patron, staff):
    kept, unpublished_kept = tell(engine, patron), tell(engine, patron)
    gone = tell(engine, patron, consent=False)
    publish(engine, staff, kept.id)
    coded = theme(engine, staff)
    with db.write(engine) as s:
        services.code(db=s, actor=staff, story_id=gone.id, theme_ids=[str(coded.id)])
    with db.write(engine) as s:
        privacy.delete_account(db=s, actor=patron, password_ok=True)
    assert f.get(engine, Story, gone.id) is None
    assert f.count(engine, StoryTheme) == 0
    for story_id in (kept.id, unpublished_kept.id):
        row = f.get(engine, Story, story_id)
        assert row is not None and row.author_id is None
    assert f.get(engine, Story, kept.id).published_at is not None
    assert stored(engine)["story"] == 2
