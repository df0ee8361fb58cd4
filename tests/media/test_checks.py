"""`portal check` on attached files: a row whose idea is gone is repaired away with its files;
a file missing from disk is reported, not repaired; a file under MEDIA_DIR that no row names
is removed once it is an hour old, and only when its name is one the portal gives."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import delete

from portal import domains
from portal.core import db
from portal.ideas.models import Idea
from portal.media import storage
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


def _age(path: Path, seconds: float) -> None:
    """Make `path` (not what a link points to) look `seconds` old, as if left there earlier."""
    when = time.time() - seconds
    os.utime(path, (when, when), follow_symlinks=False)


def test_check_lists_and_repair_removes_a_file_no_attachment_names(engine, settings):
    root = Path(settings.media_dir)
    root.mkdir(parents=True, exist_ok=True)
    orphan = root / ("ab" * 32 + ".png")
    orphan.write_bytes(picture())
    _age(orphan, 2 * 3600)
    report = domains.check(engine)
    assert [str(x) for x in report.left] == [f"file {orphan.name}: no attachment names it"]
    assert orphan.exists()  # a check without --repair changes nothing
    repaired = domains.check(engine, repair=True)
    assert [x.repaired for x in repaired.findings] == [True]
    assert not orphan.exists()
    assert domains.check(engine).findings == []


def test_check_leaves_fresh_files_and_files_of_other_names(engine, settings):
    root = Path(settings.media_dir)
    root.mkdir(parents=True, exist_ok=True)
    fresh = root / ("cd" * 32 + ".png")
    fresh.write_bytes(picture())
    _age(fresh, 50 * 60)  # a request may still be writing its row
    others = [
        root / "notes.txt",
        root / ("AB" * 32 + ".png"),  # upper case: not a name the portal gives
        root / ("ef" * 32 + ".png.bak"),
        root / ("12" * 32 + ".png\n"),
        root / ".partial-x1y2",
    ]
    for other in others:
        other.write_bytes(b"kept by someone else")
        _age(other, 2 * 3600)
    link = root / ("34" * 32 + ".png")
    link.symlink_to(others[0])
    (root / ("56" * 32 + ".png")).mkdir()
    _age(link, 2 * 3600)
    _age(root / ("56" * 32 + ".png"), 2 * 3600)
    report = domains.check(engine, repair=True)
    assert all(not x.repaired and not x.repairable for x in report.findings)
    named = {x.subject for x in report.findings}
    assert named == {f"file {p.name!r}" for p in [*others, link, root / ("56" * 32 + ".png")]}
    assert fresh.exists() and link.is_symlink() and all(p.exists() for p in others)
    assert (root / ("56" * 32 + ".png")).is_dir()


def test_check_never_touches_a_file_a_row_names(client, staff, category, engine, settings):
    idea = f.idea(engine, staff, category)
    login_as(client, staff)
    _attach(client, idea.id, picture())
    files = media_files(Path(settings.media_dir))
    assert len(files) == 2  # the picture and its thumbnail
    for file in files:
        _age(file, 30 * 24 * 3600)
    assert domains.check(engine, repair=True).findings == []
    assert media_files(Path(settings.media_dir)) == files


def test_check_keeps_an_old_file_a_request_is_attaching_again(engine, settings):
    """The same picture attached again reuses the file before its row commits: the file
    counts as fresh from then on, so the check cannot remove it under the request."""
    data = picture(size=(7, 7))
    name = storage.save(data, "png")
    path = Path(settings.media_dir) / name
    _age(path, 2 * 3600)  # left behind by an earlier request that failed
    assert storage.save(data, "png") == name  # a request now, its row not yet written
    assert domains.check(engine, repair=True).findings == []
    assert path.exists()
