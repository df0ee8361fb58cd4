"""feedback recorded at the desk: where each idea, comment and vote came from; votes for
people without an account; who recorded what for whom

Revision ID: 0023
Revises: 0016
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Everything before this came in through the site.
    for table in ("idea", "comment", "vote"):
        op.add_column(
            table,
            sa.Column("source", sa.String(length=16), nullable=False, server_default="web"),
        )
    op.create_table(
        "desk_vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_desk_vote_idea_id", "desk_vote", ["idea_id"])
    op.create_table(
        "desk_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_desk_record_created_at", "desk_record", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_desk_record_created_at", table_name="desk_record")
    op.drop_table("desk_record")
    op.drop_index("ix_desk_vote_idea_id", table_name="desk_vote")
    op.drop_table("desk_vote")
    # A plain DROP COLUMN (SQLite 3.35+): rebuilding `idea` in a batch would drop the
    # full-text search triggers on it.
    for table in ("vote", "comment", "idea"):
        op.drop_column(table, "source")
