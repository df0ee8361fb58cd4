"""option pictures: an attachment may belong to a question's option ("choice_option", a
longer owner kind), so the option's unused `image_id` goes

Revision ID: 0026
Revises: 0022
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column(
            "owner_kind",
            existing_type=sa.String(length=10),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
    with op.batch_alter_table("choice_option", schema=None) as batch_op:
        batch_op.drop_column("image_id")


def downgrade() -> None:
    with op.batch_alter_table("choice_option", schema=None) as batch_op:
        batch_op.add_column(sa.Column("image_id", sa.Integer(), nullable=True))
    op.execute("DELETE FROM attachment WHERE owner_kind = 'choice_option'")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column(
            "owner_kind",
            existing_type=sa.String(length=20),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
