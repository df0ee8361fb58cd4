"""`portal backup` and `portal restore`, run as commands on the database the suite runs on
(SQLite, or PostgreSQL with PORTAL_TEST_DB=postgresql): a copy taken while people vote and
comment is consistent and restores into a new database with nothing lost; a database with
anything in it is refused unless --force, which replaces it whole; a file of the wrong kind,
or no backup at all, is refused."""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from portal.comments import services as comments
from portal.comments.models import Comment
from portal.core import db
from portal.core.backup import backup
from portal.core.migrate import upgrade
from portal.ideas import services as ideas
from portal.models import metadata
from portal.votes import services as votes
from portal.votes.models import Vote
from tests.conftest import DB_KIND, SECRET, make_user
from tests.processes import portal_run

_names = itertools.count()


@pytest.fixture
def new_database(request: pytest.FixtureRequest, tmp_path: Path):
    """Makes empty databases of the suite's kind (none of them exists until asked for)."""
    made: list[str] = []

    def make() -> str:
        if DB_KIND != "postgresql":
            return f"sqlite:///{tmp_path / f'restored{next(_names)}.sqlite3'}"
        server = request.getfixturevalue("pg_server")
        name = f"restored_{os.getpid()}_{next(_names)}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        made.append(name)
        return server.rsplit("/", 1)[0] + "/" + name

    yield make
    if made:
        admin = create_engine(request.getfixturevalue("pg_server"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "PORTAL_VAR_DIR": str(tmp_path / "var"),
    }


def _portal(*args: str, database_url: str, tmp_path: Path):  # noqa: ANN202
    return portal_run(*args, env=_env(database_url, tmp_path))


def _snapshot(database_url: str) -> dict[str, list[str]]:
    """Every row of every table (but the pages' data version, which a restore moves)."""
    engine = db.make_engine(database_url, pool=False)
    try:
        with db.read(engine) as s:
            return {
                table.name: sorted(repr(tuple(row)) for row in s.execute(select(table)))
                for table in metadata.sorted_tables
                if table.name != "site_version"
            }
    finally:
        engine.dispose()


def _rows(database_url: str, model) -> set[tuple]:  # noqa: ANN001
    engine = db.make_engine(database_url, pool=False)
    try:
        with db.read(engine) as s:
            return {tuple(r) for r in s.execute(select(model.id, model.idea_id, model.created_at))}
    finally:
        engine.dispose()


def _people_and_ideas(engine, category, n: int = 6):  # noqa: ANN001, ANN202
    people = [make_user(engine) for _ in range(n)]
    with db.write(engine) as s:
        made = [
            ideas.propose(
                db=s,
                actor=people[i],
                title=f"Idea {i}",
                body="Longer hours",
                category_id=category.id,
            )
            for i in range(n)
        ]
    return people, [i.id for i in made]


class Writer(threading.Thread):
    """People voting and commenting, each write its own transaction, until told to stop."""

    def __init__(self, engine, people, idea_ids) -> None:  # noqa: ANN001
        super().__init__(daemon=True)
        self.engine, self.people, self.idea_ids = engine, people, idea_ids
        self.committed: list[tuple[str, int]] = []  # (table, id), in commit order
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        pairs = itertools.cycle(itertools.product(self.people, self.idea_ids))
        try:
            for n, (person, idea_id) in enumerate(pairs):
                if self.stop.is_set() or n >= 5000:
                    return
                with db.write(self.engine) as s:
                    if n % 2 and votes.vote(db=s, actor=person, idea_id=idea_id):
                        done = ("vote", s.scalar(select(Vote.id).order_by(Vote.id.desc())))
                    else:
                        made = comments.add(db=s, actor=person, idea_id=idea_id, body=f"#{n}")
                        done = ("comment", made.id)
                self.committed.append(done)
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            self.error = exc

    def wait_for(self, writes: int) -> None:
        deadline = time.monotonic() + 30
        while len(self.committed) < writes and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.committed) >= writes, self.error


def test_backup_taken_while_people_write_restores_with_nothing_lost(
    database_url, engine, category, tmp_path, new_database
):
    people, idea_ids = _people_and_ideas(engine, category)
    writer = Writer(engine, people, idea_ids)
    writer.start()
    try:
        writer.wait_for(20)
        before = list(writer.committed)
        made = _portal(
            "backup", str(tmp_path / "during.backup"), database_url=database_url, tmp_path=tmp_path
        )
        during = len(writer.committed) - len(before)
    finally:
        writer.stop.set()
        writer.join()
    assert writer.error is None
    assert made.returncode == 0, made.stderr
    assert during > 0  # people went on writing while the backup ran
    assert oct((tmp_path / "during.backup").stat().st_mode)[-3:] == "600"

    restored = new_database()
    loaded = _portal(
        "restore", str(tmp_path / "during.backup"), database_url=restored, tmp_path=tmp_path
    )
    assert loaded.returncode == 0, loaded.stderr
    # Consistent: every counter agrees with the rows copied, though writes went on meanwhile.
    checked = _portal("check", database_url=restored, tmp_path=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "Everything agrees" in checked.stdout
    # Nothing written before the backup began is missing, and nothing is made up.
    copied = {"vote": _rows(restored, Vote), "comment": _rows(restored, Comment)}
    source = {"vote": _rows(database_url, Vote), "comment": _rows(database_url, Comment)}
    for table, row_id in before:
        assert row_id in {r[0] for r in copied[table]}, (table, row_id)
    assert copied["vote"] <= source["vote"] and copied["comment"] <= source["comment"]

    # Once the writing has stopped, a backup restores to exactly the same rows, every table.
    assert (
        _portal(
            "backup", str(tmp_path / "after.backup"), database_url=database_url, tmp_path=tmp_path
        ).returncode
        == 0
    )
    again = new_database()
    assert (
        _portal(
            "restore", str(tmp_path / "after.backup"), database_url=again, tmp_path=tmp_path
        ).returncode
        == 0
    )
    assert _snapshot(again) == _snapshot(database_url)

    # And the restored database takes new writes (PostgreSQL's id sequences came along).
    restored_engine = db.make_engine(again, pool=False)
    try:
        with db.write(restored_engine) as s:
            added = comments.add(db=s, actor=people[0], idea_id=idea_ids[0], body="After")
        assert added.id > max(row_id for table, row_id in writer.committed if table == "comment")
    finally:
        restored_engine.dispose()


def test_restore_refuses_a_database_with_anything_in_it_unless_forced(
    database_url, engine, category, patron, tmp_path, new_database
):
    with db.write(engine) as s:
        ideas.propose(db=s, actor=patron, title="Backed up", body="Yes", category_id=category.id)
    backup(database_url, tmp_path / "site.backup")

    target = new_database()
    upgrade(target)  # someone ran `portal migrate` on the new database first
    leftover = create_engine(target)
    with leftover.begin() as conn:
        conn.execute(text("CREATE TABLE leftover (id integer)"))
        conn.execute(text("INSERT INTO leftover VALUES (1)"))
    leftover.dispose()
    refused = _portal(
        "restore", str(tmp_path / "site.backup"), database_url=target, tmp_path=tmp_path
    )
    assert refused.returncode == 1
    assert "not empty" in refused.stderr and "--force" in refused.stderr
    assert "leftover" in _tables(target)  # untouched
    assert _snapshot(target)["idea"] == []

    forced = _portal(
        "restore", "--force", str(tmp_path / "site.backup"), database_url=target, tmp_path=tmp_path
    )
    assert forced.returncode == 0, forced.stderr
    assert "leftover" not in _tables(target)  # replaced whole, not merged
    assert _snapshot(target) == _snapshot(database_url)


def _tables(database_url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(database_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_restore_refuses_a_backup_of_the_other_kind_and_files_that_are_no_backup(
    database_url, tmp_path, new_database
):
    target = new_database()
    if DB_KIND == "postgresql":
        other = f"sqlite:///{tmp_path / 'site.sqlite3'}"
        upgrade(other)
        backup(other, tmp_path / "other.backup")
        said = "SQLite"
    else:  # a pg_dump custom-format file, as far as its first bytes tell
        (tmp_path / "other.backup").write_bytes(b"PGDMP\x01\x0f\x00" + bytes(200))
        said = "PostgreSQL"
    refused = _portal(
        "restore", str(tmp_path / "other.backup"), database_url=target, tmp_path=tmp_path
    )
    assert refused.returncode == 1
    assert f"a backup of a {said} database" in refused.stderr

    (tmp_path / "notes.txt").write_text("not a backup")
    refused = _portal(
        "restore", str(tmp_path / "notes.txt"), database_url=target, tmp_path=tmp_path
    )
    assert refused.returncode == 1 and "not a backup" in refused.stderr
    refused = _portal("restore", str(tmp_path / "missing"), database_url=target, tmp_path=tmp_path)
    assert refused.returncode == 1 and "no file" in refused.stderr
    assert _tables(target) == set()


def test_restore_of_a_damaged_backup_leaves_the_database_as_it_was(
    database_url, engine, category, patron, tmp_path, new_database
):
    with db.write(engine) as s:
        ideas.propose(db=s, actor=patron, title="Kept", body="Yes", category_id=category.id)
    backup(database_url, tmp_path / "site.backup")
    whole = (tmp_path / "site.backup").read_bytes()
    (tmp_path / "damaged.backup").write_bytes(whole[:-100])  # its last rows cut off

    target = new_database()
    upgrade(target)
    before = _snapshot(target)
    failed = _portal(
        "restore",
        "--force",
        str(tmp_path / "damaged.backup"),
        database_url=target,
        tmp_path=tmp_path,
    )
    assert failed.returncode == 1
    assert "damaged" in failed.stderr or "failed" in failed.stderr, failed.stderr
    assert _snapshot(target) == before
