"""comments on what a design session produced: a comment is on an idea or on a session

Revision ID: 0027
Revises: 0025
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("workshop_id", sa.Integer(), nullable=True))
        batch_op.alter_column("idea_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_comment_workshop_id_workshop"),
            "workshop",
            ["workshop_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            "comment_one_subject", "(idea_id IS NULL) <> (workshop_id IS NULL)"
        )
        batch_op.create_index(
            "ix_comment_workshop_created", ["workshop_id", "created_at", "id"], unique=False
        )


def downgrade() -> None:
    op.execute("DELETE FROM comment WHERE workshop_id IS NOT NULL")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_workshop_created")
        batch_op.drop_constraint(op.f("ck_comment_comment_one_subject"), type_="check")
        batch_op.drop_constraint(op.f("fk_comment_workshop_id_workshop"), type_="foreignkey")
        batch_op.drop_column("workshop_id")
        batch_op.alter_column("idea_id", existing_type=sa.Integer(), nullable=False)
