"""foundation: accounts, ideas, votes, comments

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "category",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_category")),
        sa.UniqueConstraint("slug", name=op.f("uq_category_slug")),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("email", name=op.f("uq_user_email")),
    )
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.String(length=10000), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), nullable=True),
        sa.Column("vote_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("trending", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_idea_author_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"], ["category.id"], name=op.f("fk_idea_category_id_category")
        ),
        sa.ForeignKeyConstraint(
            ["duplicate_of_id"], ["idea.id"], name=op.f("fk_idea_duplicate_of_id_idea")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea")),
    )
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_category_id"), ["category_id"], unique=False)
        batch_op.create_index(
            "ix_idea_category_top", ["category_id", "vote_count", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_idea_created_at"), ["created_at"], unique=False)
        batch_op.create_index("ix_idea_discussed", ["comment_count", "id"], unique=False)
        batch_op.create_index("ix_idea_status_top", ["status", "vote_count", "id"], unique=False)
        batch_op.create_index("ix_idea_top", ["vote_count", "id"], unique=False)
        batch_op.create_index("ix_idea_trending", ["trending", "id"], unique=False)

    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_login_session_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_session")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_session_token_hash")),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=5000), nullable=False),
        sa.Column("is_staff", sa.Boolean(), nullable=False),
        sa.Column("is_official", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_comment_author_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_comment_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comment.id"], name=op.f("fk_comment_parent_id_comment")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_comment_idea_created", ["idea_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "follow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_follow_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_follow_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow")),
        sa.UniqueConstraint("idea_id", "user_id", name=op.f("uq_follow_idea_id_user_id")),
    )
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_user_id"), ["user_id"], unique=False)

    op.create_table(
        "status_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("response", sa.String(length=5000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
            name=op.f("fk_status_change_actor_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_status_change_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_change")),
    )
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_status_change_idea_id"), ["idea_id"], unique=False)

    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_vote_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_vote_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
        sa.UniqueConstraint("idea_id", "user_id", name=op.f("uq_vote_idea_id_user_id")),
    )
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vote_user_id"), ["user_id"], unique=False)

    _create_search()


# Full-text search is not expressible in the models: SQLite gets an FTS5 table kept in step by
# triggers, PostgreSQL an expression index that the search query matches exactly.
SQLITE_SEARCH = [
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
]
POSTGRES_SEARCH = [
    """CREATE INDEX ix_idea_search ON idea
       USING gin (to_tsvector('english', title || ' ' || body))""",
]


def _create_search() -> None:
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def _drop_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("idea_fts_insert", "idea_fts_delete", "idea_fts_update"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE idea_fts")
    else:
        op.execute("DROP INDEX ix_idea_search")


def downgrade() -> None:
    _drop_search()
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vote_user_id"))

    op.drop_table("vote")
    with op.batch_alter_table("status_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_change_idea_id"))

    op.drop_table("status_change")
    with op.batch_alter_table("follow", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_user_id"))

    op.drop_table("follow")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_parent_id"))
        batch_op.drop_index("ix_comment_idea_created")
        batch_op.drop_index(batch_op.f("ix_comment_author_id"))

    op.drop_table("comment")
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_user_id"))

    op.drop_table("login_session")
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_index("ix_idea_trending")
        batch_op.drop_index("ix_idea_top")
        batch_op.drop_index("ix_idea_status_top")
        batch_op.drop_index("ix_idea_discussed")
        batch_op.drop_index(batch_op.f("ix_idea_created_at"))
        batch_op.drop_index("ix_idea_category_top")
        batch_op.drop_index(batch_op.f("ix_idea_category_id"))
        batch_op.drop_index(batch_op.f("ix_idea_author_id"))

    op.drop_table("idea")
    op.drop_table("user")
    op.drop_table("category")
