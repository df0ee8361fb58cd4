"""`portal backup` and `portal restore` carry the attached files along with the database."""

from __future__ import annotations

import io
import os
import tarfile
from pathlib import Path

from portal.core.backup import BackupError, restore
from tests import factories as f
from tests.conftest import SECRET, login_as
from tests.core.test_backup import new_database  # noqa: F401 - the fixture
from tests.media.helpers import PDF, media_files, picture
from tests.processes import portal_run


def _env(database_url: str, media: Path, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_DIR": str(media),
    }


def test_backup_and_restore_carry_the_attached_files(
    client,
    staff,
    patron,
    category,
    engine,
    settings,
    database_url,
    tmp_path,
    new_database,  # noqa: F811
):
    idea = f.idea(engine, patron, category)
    login_as(client, staff)
    for name, data in (("a.png", picture()), ("b.pdf", PDF)):
        response = client.post(
            f"/attach/idea/{idea.id}", {"alt": "Plan"}, files={"file": (name, data, "x/y")}
        )
        assert response.status_code == 303
    kept = {p.name: p.read_bytes() for p in media_files(Path(settings.media_dir))}
    assert len(kept) == 3  # the picture, its thumbnail, the PDF

    backup_file = tmp_path / "portal.backup"
    done = portal_run(
        "backup", str(backup_file), env=_env(database_url, Path(settings.media_dir), tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert "3 attached files" in done.stdout
    assert (tmp_path / "portal.backup.media.tar").stat().st_mode & 0o777 == 0o600

    target, restored = new_database(), tmp_path / "restored-media"
    done = portal_run("restore", str(backup_file), env=_env(target, restored, tmp_path))
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in media_files(restored)} == kept


def test_restore_refuses_a_media_tar_with_anything_but_our_files(
    tmp_path,
    database_url,
    new_database,  # noqa: F811
):
    done = portal_run(
        "backup", str(tmp_path / "b"), env=_env(database_url, tmp_path / "none", tmp_path)
    )
    assert done.returncode == 0, done.stderr
    with tarfile.open(tmp_path / "b.media.tar", "w") as tar:
        info = tarfile.TarInfo("../escape.png")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"abc"))
    media = tmp_path / "media"
    try:
        restore(new_database(), tmp_path / "b", media_dir=media)
    except BackupError as exc:
        assert "not a file of ours" in str(exc)
    else:
        raise AssertionError("restore took a tar with a path in it")
    assert not (tmp_path / "escape.png").exists()
    assert media_files(media) == []
