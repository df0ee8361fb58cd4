"""Prepared statements (portal.core.prepared) read and write exactly what SQLAlchemy's own execution
does, inside the caller's transaction, and refuse what they cannot do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, insert, select

from portal.accounts.models import User
from portal.core.prepared import Prepared
from portal.core.ratelimit.models import RateCounter
from tests.conftest import make_user

USERS = User.__table__
BY_EMAIL = select(USERS).where(USERS.c.email == bindparam("email"))
COUNTERS = RateCounter.__table__


def test_prepared_rows_equal_sqlalchemys_own(engine) -> None:
    person = make_user(engine, email="ada@example.org", role="committee")
    with engine.connect() as conn:
        expected = conn.execute(BY_EMAIL, {"email": "ada@example.org"}).one()
        row = Prepared(BY_EMAIL).first(conn, {"email": "ada@example.org"})

    assert tuple(row) == tuple(expected)
    assert row.id == person.id and row.role == "committee"
    assert row.created_at.tzinfo is not None  # the column's own type read it
    assert row.committee_listed is False  # a boolean, not SQLite's 0


def test_prepared_binds_values_through_the_column_types(engine) -> None:
    window = datetime(2026, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)
    add = Prepared(
        insert(COUNTERS)
        .values(key=bindparam("key"), window_start=bindparam("start"), count=1)
        .returning(COUNTERS.c.window_start, COUNTERS.c.count)
    )
    with engine.begin() as conn:
        written = add.first(conn, {"key": "k", "start": window})
    with engine.connect() as conn:
        found = conn.execute(
            select(COUNTERS.c.key).where(COUNTERS.c.window_start == window)
        ).scalar_one()

    assert written.window_start == window and written.count == 1
    assert found == "k"  # stored the way SQLAlchemy stores it, so its queries find it


def test_prepared_runs_inside_the_callers_transaction(engine) -> None:
    add = Prepared(
        insert(COUNTERS)
        .values(key=bindparam("key"), window_start=bindparam("start"), count=1)
        .returning(COUNTERS.c.key)
    )
    with engine.connect() as conn:
        with conn.begin() as transaction:
            assert add.first(conn, {"key": "undone", "start": datetime.now(UTC)}).key == "undone"
            transaction.rollback()
        assert Prepared(select(COUNTERS.c.key)).all(conn, {}) == []


def test_prepared_refuses_a_statement_that_needs_a_default_set_in_python(engine) -> None:
    # User.created_at defaults to "now" in Python: SQLAlchemy fills it in, a prepared statement
    # would not, so it asks for the value instead of storing NULL.
    statement = Prepared(
        insert(USERS).values(email=bindparam("email"), display_name="A").returning(USERS.c.id)
    )
    with engine.connect() as conn, pytest.raises(ValueError, match="created_at"):
        statement.first(conn, {"email": "b@example.org"})


def test_prepared_statements_are_seen_by_statement_counters(engine) -> None:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            Prepared(BY_EMAIL).first(conn, {"email": "nobody@example.org"})
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert any("FROM user" in s or 'FROM "user"' in s for s in seen)
