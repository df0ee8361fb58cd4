"""a person's user group (undergraduate, postgraduate...), counted only in aggregates

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Everyone starts as "prefer not to say" ("").
    op.add_column(
        "user",
        sa.Column(
            "user_group",
            sa.String(length=16),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("user_group")
