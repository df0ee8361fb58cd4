"""stories: impact stories, the themes staff code them with, their decisions and ideas

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _link(table: str, other: str, column: str) -> None:
    """A story's link to a row of `other` (both ends cascade)."""
    op.create_table(
        table,
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column(column, sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["story_id"], ["story.id"], name=op.f(f"fk_{table}_story_id_story"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            [column], [f"{other}.id"], name=op.f(f"fk_{table}_{column}_{other}"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("story_id", column, name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("happened", sa.String(length=5000), nullable=False),
        sa.Column("did", sa.String(length=5000), nullable=False),
        sa.Column("changed", sa.String(length=5000), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("service", sa.String(length=100), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user.id"], name=op.f("fk_story_author_id_user"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_story_category_id_category"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story")),
    )
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_story_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_story_published_at"), ["published_at"], unique=False)

    op.create_table(
        "story_theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_theme")),
        sa.UniqueConstraint("code", name=op.f("uq_story_theme_code")),
    )
    _link("story_theme_link", "story_theme", "theme_id")
    _link("story_decision", "decision", "decision_id")
    _link("story_idea", "idea", "idea_id")


def downgrade() -> None:
    for table, column in (
        ("story_idea", "idea_id"),
        ("story_decision", "decision_id"),
        ("story_theme_link", "theme_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    op.drop_table("story_theme")
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_published_at"))
        batch_op.drop_index(batch_op.f("ix_story_created_at"))
        batch_op.drop_index(batch_op.f("ix_story_author_id"))
    op.drop_table("story")
