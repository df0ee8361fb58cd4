"""feedback recorded at the desk: where each idea, comment and vote came from; votes for
people without an account; who recorded what for whom. Draft decisions and the advisory
committee's advice on them

Revision ID: 0023
Revises: 0021
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0021"
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["idea.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["comment_id"], ["comment.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_desk_record_created_at", "desk_record", ["created_at"])
    op.create_table(
        "decision_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("form", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("decision_id"),
    )
    op.create_table(
        "advice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("stance", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("reason_html", sa.String(), nullable=True),
        sa.Column("html_version", sa.String(length=100), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["draft_id"], ["decision_draft.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draft_id", "member_id"),
    )
    op.create_index("ix_advice_member_id", "advice", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_advice_member_id", table_name="advice")
    op.drop_table("advice")
    op.drop_table("decision_draft")
    op.drop_index("ix_desk_record_created_at", table_name="desk_record")
    op.drop_table("desk_record")
    op.drop_index("ix_desk_vote_idea_id", table_name="desk_vote")
    op.drop_table("desk_vote")
    # A plain DROP COLUMN (SQLite 3.35+): rebuilding `idea` in a batch would drop the
    # full-text search triggers on it.
    for table in ("vote", "comment", "idea"):
        op.drop_column(table, "source")
