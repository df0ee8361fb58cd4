"""Upgrading keeps every row: a database made at the first migration, filled as the release of
that time filled it (plain inserts into that schema, not today's models), is brought to the
latest schema by `portal migrate`; every row is still there with its values, every counter
agrees with the rows (`portal check`), and the site works on it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text

from portal.accounts import passwords
from portal.core.migrate import alembic_config, upgrade
from portal.domains import check
from portal.ideas.trending import weight
from tests.conftest import DB_KIND, PASSWORD, SECRET, Client
from tests.processes import portal_run

# The tables of migration 0001, as that release wrote them (only what the rows below fill).
_dt = sa.DateTime(timezone=True)
CATEGORY = sa.table(
    "category", *(sa.column(c) for c in ("id", "slug", "name", "name_zh", "position"))
)
USER = sa.table(
    "user",
    *(sa.column(c) for c in ("id", "email", "display_name", "password_hash", "role", "locale")),
    sa.column("created_at", _dt),
    sa.column("blocked_at", _dt),
)
IDEA = sa.table(
    "idea",
    *(sa.column(c) for c in ("id", "title", "body", "category_id", "author_id", "origin")),
    *(sa.column(c) for c in ("status", "duplicate_of_id", "vote_count", "comment_count")),
    sa.column("trending", sa.Float),
    sa.column("created_at", _dt),
    sa.column("updated_at", _dt),
    sa.column("first_response_at", _dt),
)
VOTE = sa.table(
    "vote",
    sa.column("id"),
    sa.column("idea_id"),
    sa.column("user_id"),
    sa.column("created_at", _dt),
)
FOLLOW = sa.table(
    "follow",
    sa.column("id"),
    sa.column("idea_id"),
    sa.column("user_id"),
    sa.column("created_at", _dt),
)
COMMENT = sa.table(
    "comment",
    *(sa.column(c) for c in ("id", "idea_id", "author_id", "parent_id", "body")),
    sa.column("is_staff", sa.Boolean),
    sa.column("is_official", sa.Boolean),
    sa.column("created_at", _dt),
    sa.column("edited_at", _dt),
    sa.column("deleted_at", _dt),
)
STATUS_CHANGE = sa.table(
    "status_change",
    *(sa.column(c) for c in ("id", "idea_id", "actor_id", "from_status", "to_status", "response")),
    sa.column("created_at", _dt),
)
LOGIN_SESSION = sa.table(
    "login_session",
    *(sa.column(c) for c in ("id", "token_hash", "user_id")),
    sa.column("created_at", _dt),
    sa.column("expires_at", _dt),
)

T0 = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _rows() -> dict[sa.TableClause, list[dict]]:
    """A small library's first weeks: people of each role, ideas in two categories, votes,
    comments with a reply and a staff answer, a status change, a duplicate, follows."""
    hashed = passwords.hash_password(PASSWORD)
    users = [
        (1, "ada@example.org", "Ada", "patron", None),
        (2, "bo@example.org", "Bo 博", "patron", "zh_Hans"),
        (3, "sam@example.org", "Sam Staff", "staff", None),
        (4, "root@example.org", "Admin", "admin", None),
    ]
    votes = [(1, 1, 2, 1.0), (2, 1, 3, 2.0), (3, 2, 1, 3.0), (4, 1, 4, 30.0)]  # id, idea, user, h
    ideas = [  # id, title, category, author, status, duplicate of, comments, hours, answered
        (1, "Open on Sundays", 1, 1, "planned", None, 3, 0.0, 5.0),
        (2, "More quiet study rooms", 1, 2, "new", None, 0, 0.5, None),
        (3, "Sunday opening hours", 2, 2, "duplicate", 1, 0, 0.7, 6.0),
    ]
    return {
        CATEGORY: [
            {"id": 1, "slug": "spaces", "name": "Spaces", "name_zh": "空间", "position": 0},
            {
                "id": 2,
                "slug": "hours",
                "name": "Opening hours",
                "name_zh": "开放时间",
                "position": 1,
            },
        ],
        USER: [
            {
                "id": i,
                "email": e,
                "display_name": n,
                "password_hash": hashed,
                "role": r,
                "locale": loc,
                "created_at": at(-24 + i),
                "blocked_at": None,
            }
            for i, e, n, r, loc in users
        ],
        IDEA: [
            {
                "id": i,
                "title": title,
                "body": f"**{title}**, please.",
                "category_id": c,
                "author_id": a,
                "origin": "patron",
                "status": s,
                "duplicate_of_id": d,
                "vote_count": sum(1 for v in votes if v[1] == i),
                "comment_count": n,
                "trending": weight(at(h)) + sum(weight(at(v[3])) for v in votes if v[1] == i),
                "created_at": at(h),
                "updated_at": at(h),
                "first_response_at": at(r) if r is not None else None,
            }
            for i, title, c, a, s, d, n, h, r in ideas
        ],
        VOTE: [
            {"id": i, "idea_id": idea, "user_id": u, "created_at": at(h)} for i, idea, u, h in votes
        ],
        FOLLOW: [
            {"id": 1, "idea_id": 1, "user_id": 1, "created_at": at(0)},
            {"id": 2, "idea_id": 1, "user_id": 2, "created_at": at(1)},
            {"id": 3, "idea_id": 2, "user_id": 2, "created_at": at(0.5)},
        ],
        COMMENT: [
            {
                "id": 1,
                "idea_id": 1,
                "author_id": 2,
                "parent_id": None,
                "body": "Yes! 周日",
                "is_staff": False,
                "is_official": False,
                "created_at": at(1),
                "edited_at": None,
                "deleted_at": None,
            },
            {
                "id": 2,
                "idea_id": 1,
                "author_id": 1,
                "parent_id": 1,
                "body": "Agreed",
                "is_staff": False,
                "is_official": False,
                "created_at": at(2),
                "edited_at": at(2.1),
                "deleted_at": None,
            },
            {
                "id": 3,
                "idea_id": 1,
                "author_id": 3,
                "parent_id": None,
                "body": "We are on it.",
                "is_staff": True,
                "is_official": True,
                "created_at": at(5),
                "edited_at": None,
                "deleted_at": None,
            },
            {
                "id": 4,
                "idea_id": 1,
                "author_id": 2,
                "parent_id": None,
                "body": "Oops",
                "is_staff": False,
                "is_official": False,
                "created_at": at(3),
                "edited_at": None,
                "deleted_at": at(3.2),
            },
        ],
        STATUS_CHANGE: [
            {
                "id": 1,
                "idea_id": 1,
                "actor_id": 3,
                "from_status": "new",
                "to_status": "planned",
                "response": "From March.",
                "created_at": at(5),
            },
            {
                "id": 2,
                "idea_id": 3,
                "actor_id": 3,
                "from_status": "new",
                "to_status": "duplicate",
                "response": "See idea 1.",
                "created_at": at(6),
            },
        ],
        LOGIN_SESSION: [
            {
                "id": 1,
                "token_hash": "a" * 64,
                "user_id": 1,
                "created_at": at(0),
                "expires_at": at(24 * 365 * 5),
            },
        ],
    }


def _fill(url: str, rows: dict[sa.TableClause, list[dict]]) -> None:
    """Write `rows` with plain inserts, as the first release's database held them."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for table, values in rows.items():
                conn.execute(table.insert(), values)
            if engine.dialect.name == "postgresql":  # ids were given: move the sequences on
                for table in rows:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'(SELECT MAX(id) FROM "{table.name}"))'
                        )
                    )
    finally:
        engine.dispose()


@pytest.fixture
def first_release_url(request: pytest.FixtureRequest, tmp_path):
    """A new database migrated to 0001 only, as the first release left it."""
    if DB_KIND != "postgresql":
        url = f"sqlite:///{tmp_path / 'first.sqlite3'}"
        upgrade(url, "0001")
        yield url
        return
    server = request.getfixturevalue("pg_server")
    name = f"first_release_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name
    upgrade(url, "0001")
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _read(engine, table: sa.TableClause) -> list[dict]:  # noqa: ANN001
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*table.columns).order_by(table.c.id)).mappings().all()
    return [dict(r) for r in rows]


def _same(value, expected):  # noqa: ANN001, ANN202
    """SQLite gives back aware times as naive UTC; PostgreSQL in the session's zone."""
    if isinstance(expected, datetime) and isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value == expected


def test_migrating_a_database_of_the_first_release_keeps_every_row(first_release_url, tmp_path):
    rows = _rows()
    _fill(first_release_url, rows)
    engine = create_engine(first_release_url)
    try:
        env = {**os.environ, "DATABASE_URL": first_release_url, "PORTAL_VAR_DIR": str(tmp_path)}
        migrated = portal_run("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr

        with engine.connect() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert (
            head
            == ScriptDirectory.from_config(alembic_config(first_release_url)).get_current_head()
        )
        for table, values in rows.items():
            found = _read(engine, table)
            assert len(found) == len(values), table.name
            for got, expected in zip(found, values, strict=True):
                wrong = {k: (got[k], v) for k, v in expected.items() if not _same(got[k], v)}
                assert wrong == {}, (table.name, expected["id"], wrong)
        assert [str(f) for f in check(engine).findings] == []
    finally:
        engine.dispose()


def test_the_site_works_on_a_database_migrated_from_the_first_release(first_release_url):
    from portal.app import create_app
    from portal.settings import Settings

    _fill(first_release_url, _rows())
    upgrade(first_release_url)

    app = create_app(
        Settings(database_url=first_release_url, secret_key=SECRET, base_url="http://testserver")
    )
    try:
        with Client(app, base_url="http://testserver") as c:
            found = c.get("/ideas?q=sundays")
            assert "Open on Sundays" in found.text  # the search index came along
            response = c.post("/login", {"email": "ada@example.org", "password": PASSWORD})
            assert response.status_code == 303  # the password hash still signs Ada in
            page = c.get("/ideas/2")
            assert "More quiet study rooms" in page.text
            assert 'aria-pressed="true"' in page.text  # her vote is still hers
            c.post("/ideas/2/vote", {"action": "remove"})
            c.post("/ideas/1/comments", {"body": "Still waiting for Sundays"})
            assert [str(f) for f in check(app.state.engine).findings] == []
        with app.state.engine.connect() as conn:
            assert conn.execute(text("SELECT vote_count FROM idea WHERE id = 2")).scalar() == 0
            assert conn.execute(text("SELECT comment_count FROM idea WHERE id = 1")).scalar() == 4
    finally:
        app.state.engine.dispose()


def test_a_migration_that_leaves_broken_references_is_refused_on_sqlite(tmp_path):
    """The guard that lets SQLite migrations run with foreign keys off (portal/core/migrate.py)."""
    from alembic.migration import MigrationContext

    from portal.core.migrate import BrokenReferences, check_references

    engine = create_engine(f"sqlite:///{tmp_path / 'refs.sqlite3'}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
            conn.exec_driver_sql(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)"
            )
            conn.exec_driver_sql("INSERT INTO parent VALUES (1)")
            conn.exec_driver_sql("INSERT INTO child VALUES (1, 1)")
            check_references(ctx=MigrationContext.configure(conn), step="fine")
            conn.exec_driver_sql("INSERT INTO child VALUES (2, 7)")  # foreign keys are off here
            with pytest.raises(BrokenReferences, match="child row 2 -> parent"):
                check_references(ctx=MigrationContext.configure(conn), step="bad")
    finally:
        engine.dispose()
