"""search terms: ideas found by the same words on SQLite and PostgreSQL, Chinese included

Until now each database split the text itself: SQLite's FTS5 (unicode61 with the Porter
stemmer) and PostgreSQL's 'english' configuration, which stem differently and both take a run
of Chinese characters for one word, so 自习室 did not find 延长自习室开放时间到午夜. Python now
splits the text (portal.core.terms) into `idea_search.terms`, written with the idea, and the
databases index those terms whole: an FTS5 table with the `ascii` tokenizer (which splits only
on ASCII spaces and punctuation, and the terms have none) kept in step with `idea_search` by
triggers on SQLite, and on PostgreSQL a GIN index of a stored tsvector column made from the
terms by `array_to_tsvector`, which takes them as they are. The old index on `idea` goes. Existing ideas are indexed 1,000 at a time.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.core.terms import index_terms

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000

SQLITE_OLD = [
    "DROP TRIGGER idea_fts_insert",
    "DROP TRIGGER idea_fts_delete",
    "DROP TRIGGER idea_fts_update",
    "DROP TABLE idea_fts",
]
SQLITE_NEW = [
    """CREATE VIRTUAL TABLE idea_fts USING fts5(
        terms, content='idea_search', content_rowid='idea_id', tokenize='ascii')""",
    """CREATE TRIGGER idea_fts_insert AFTER INSERT ON idea_search BEGIN
        INSERT INTO idea_fts(rowid, terms) VALUES (new.idea_id, new.terms);
    END""",
    """CREATE TRIGGER idea_fts_delete AFTER DELETE ON idea_search BEGIN
        INSERT INTO idea_fts(idea_fts, rowid, terms) VALUES ('delete', old.idea_id, old.terms);
    END""",
    """CREATE TRIGGER idea_fts_update AFTER UPDATE OF terms ON idea_search BEGIN
        INSERT INTO idea_fts(idea_fts, rowid, terms) VALUES ('delete', old.idea_id, old.terms);
        INSERT INTO idea_fts(rowid, terms) VALUES (new.idea_id, new.terms);
    END""",
]
# As the first migration made them, for going back.
SQLITE_BACK = [
    """CREATE VIRTUAL TABLE idea_fts USING fts5(
        title, body, content='idea', content_rowid='id', tokenize='porter unicode61')""",
    """CREATE TRIGGER idea_fts_insert AFTER INSERT ON idea BEGIN
        INSERT INTO idea_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER idea_fts_delete AFTER DELETE ON idea BEGIN
        INSERT INTO idea_fts(idea_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER idea_fts_update AFTER UPDATE OF title, body ON idea BEGIN
        INSERT INTO idea_fts(idea_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO idea_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    "INSERT INTO idea_fts(idea_fts) VALUES ('rebuild')",
]
POSTGRES_OLD = ["DROP INDEX ix_idea_search"]
# A stored tsvector, so that no plan computes one per row (PostgreSQL may scan the table
# for a word that many ideas contain); the models do not name it (migrations/env.py).
POSTGRES_NEW = [
    """ALTER TABLE idea_search ADD COLUMN vector tsvector
       GENERATED ALWAYS AS (array_to_tsvector(string_to_array(terms, ' '))) STORED""",
    "CREATE INDEX ix_idea_search_vector ON idea_search USING gin (vector)",
    # The ideas that match, always through the index: the planner takes a table scan for
    # cheap when it expects many matches (it does not count reading the stored vectors),
    # and for a rare word that scan reads every row.
    """CREATE FUNCTION idea_search_ids(query tsquery) RETURNS SETOF integer
       LANGUAGE sql STABLE SET enable_seqscan = off
       AS $$ SELECT idea_id FROM idea_search WHERE vector @@ query $$""",
]
POSTGRES_BACK = [
    """CREATE INDEX ix_idea_search ON idea
       USING gin (to_tsvector('english', title || ' ' || body))""",
]

idea = sa.table("idea", sa.column("id", sa.Integer), sa.column("title"), sa.column("body"))
idea_search = sa.table("idea_search", sa.column("idea_id", sa.Integer), sa.column("terms"))


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def _fill() -> None:
    """Index every existing idea, `BATCH` at a time (in id order, so memory stays flat)."""
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(idea.c.id, idea.c.title, idea.c.body)
            .where(idea.c.id > last)
            .order_by(idea.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(
            idea_search.insert(),
            [{"idea_id": r.id, "terms": index_terms(r.title, r.body)} for r in rows],
        )
        last = rows[-1].id


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _run(SQLITE_OLD if sqlite else POSTGRES_OLD)
    op.create_table(
        "idea_search",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_search_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_idea_search")),
    )
    _run(SQLITE_NEW if sqlite else POSTGRES_NEW)
    _fill()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _run(SQLITE_OLD if sqlite else ["DROP FUNCTION idea_search_ids(tsquery)"])
    op.drop_table("idea_search")  # takes its vector and index with it on PostgreSQL
    _run(SQLITE_BACK if sqlite else POSTGRES_BACK)
