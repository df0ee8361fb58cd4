"""session outputs: the ideas a design session created or changed, each with a short note

Revision ID: 0025
Revises: 0026
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "output_idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_output_idea_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_output_idea_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["user.id"],
            name=op.f("fk_output_idea_added_by_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_output_idea")),
        sa.UniqueConstraint(
            "workshop_id", "idea_id", name=op.f("uq_output_idea_workshop_id_idea_id")
        ),
    )
    with op.batch_alter_table("output_idea", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_output_idea_idea_id"), ["idea_id"], unique=False)


def downgrade() -> None:
    op.drop_table("output_idea")
