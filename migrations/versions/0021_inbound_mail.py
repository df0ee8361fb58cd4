"""mail received by `portal inbox`, and the reply address of each email

`inbound_message` records each message handled (a hash of its Message-ID and the portal
address it was for), in the same transaction as its effect, so none is handled twice;
`email_outbox.reply_to` is the address by which a reply to a notification becomes a comment.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_message")),
        sa.UniqueConstraint("key", name=op.f("uq_inbound_message_key")),
    )
    with op.batch_alter_table("email_outbox") as batch:
        batch.add_column(
            sa.Column("reply_to", sa.String(length=254), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("email_outbox") as batch:
        batch.drop_column("reply_to")
    op.drop_table("inbound_message")
