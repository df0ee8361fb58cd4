"""the workers' heartbeat, and an index that counts waiting and failed emails

/healthz says when a worker was last seen (each worker process writes its row as it goes round
its loop), and how many emails are waiting or failed and the age of the oldest waiting one,
read from an index on (status, created_at) however many emails were ever sent.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("worker_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_worker_heartbeat")),
    )
    op.create_index("ix_email_outbox_waiting", "email_outbox", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_email_outbox_waiting", table_name="email_outbox")
    op.drop_table("worker_heartbeat")
