"""`portal seed`: bulk data whose counters and references agree with its rows (`portal check`
finds nothing), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from portal.domains import check
from portal.tools.bulk import seed
from tests.factories import counter_mismatches


def test_seed_writes_the_asked_amounts_with_consistent_counters(engine):
    counts = seed(engine, ideas=60, users=40, votes=500, comments=150, log=lambda _m: None)
    assert counts == {"users": 40, "ideas": 60, "votes": 500, "comments": 150}
    assert [str(finding) for finding in check(engine).findings] == []
    assert counter_mismatches(engine) == []
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT COUNT(*) FROM idea WHERE id IN (SELECT rowid FROM idea_fts "
                "WHERE idea_fts MATCH 'library')"
            )
            if engine.dialect.name == "sqlite"
            else text(
                "SELECT COUNT(*) FROM idea WHERE to_tsvector('english', title || ' ' || body) "
                "@@ to_tsquery('english', 'library')"
            )
        ).scalar()
    assert found > 0  # bulk rows are searchable like any others


def test_ping_is_plain_text_without_the_database(client):
    r = client.get("/ping")
    assert r.status_code == 200 and r.text == "pong"
    assert "content-security-policy" in r.headers


def test_seed_writes_one_idea_in_ten_in_chinese(engine):
    seed(engine, ideas=60, users=40, votes=100, comments=20, log=lambda _m: None)
    with engine.connect() as conn:
        ideas = conn.execute(text("SELECT title, body, body_html FROM idea ORDER BY id")).all()
    chinese = [row for row in ideas if "。" in row.title]
    assert len(chinese) == 6  # the searches the bench measures have Chinese rows to find
    assert all(
        "。" in row.body and "。" in row.body_html and " " not in row.body for row in chinese
    )
