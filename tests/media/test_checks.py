"""`portal check` on attached files: a row whose idea is gone is repaired away with its files;
a file missing from disk is reported, not repaired."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete

from portal import domains
from portal.core import db
from portal.ideas.models import Idea
from portal.media.models import Attachment
from tests import factories as f
from tests.conftest import login_as
from tests.media.helpers import media_files, picture


def _attach(client, idea_id: int, data: bytes) -> None:  # noqa: ANN001
    response = client.post(
        f"/attach/idea/{idea_id}", {"alt": "Plan"}, files={"file": ("a.png", data, "image/png")}
    )
    assert response.status_code == 303


def test_check_repairs_an_attachment_whose_idea_is_gone(client, staff, category, engine, settings):
    gone, kept = f.idea(engine, staff, category), f.idea(engine, staff, category, title="Kept")
    login_as(client, staff)
    _attach(client, gone.id, picture(size=(5, 5)))
    _attach(client, kept.id, picture(size=(6, 6)))
    with db.write(engine) as s:
        s.execute(delete(Idea).where(Idea.id == gone.id))
    report = domains.check(engine)
    assert [str(x) for x in report.left] == [f"attachment 1: idea {gone.id} does not exist"]
    assert domains.check(engine, repair=True).left == []
    assert domains.check(engine).left == []
    assert f.count(engine, Attachment) == 1
    assert len(media_files(Path(settings.media_dir))) == 2  # the kept picture and its thumbnail


def test_check_reports_a_missing_file(client, staff, category, engine, settings):
    idea = f.idea(engine, staff, category)
    login_as(client, staff)
    _attach(client, idea.id, picture())
    for file in media_files(Path(settings.media_dir)):
        if file.suffix == ".png":
            file.unlink()
    report = domains.check(engine, repair=True)
    assert len(report.left) == 1 and "is missing" in str(report.left[0])
