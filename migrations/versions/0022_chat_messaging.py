"""chat messaging: links between chat addresses and accounts, their one-time codes, the
messages outbox, the bot's remembered state, the webhook's seen signatures, and a per-kind
choice of notifications as messages

Revision ID: 0022
Revises: 0024
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "messaging_bot_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_messaging_bot_state")),
    )
    op.create_table(
        "messaging_seen_signature",
        sa.Column("signature", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_messaging_seen_signature")),
    )
    op.create_index("ix_messaging_seen_signature_seen_at", "messaging_seen_signature", ["seen_at"])
    op.create_table(
        "messaging_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("room", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_messaging_link_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_link")),
        sa.UniqueConstraint("platform", "address", name=op.f("uq_messaging_link_platform_address")),
    )
    op.create_index("ix_messaging_link_user_id", "messaging_link", ["user_id"])
    op.create_table(
        "messaging_link_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_messaging_link_code_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_link_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_messaging_link_code_code_hash")),
    )
    op.create_index("ix_messaging_link_code_user_id", "messaging_link_code", ["user_id"])
    op.create_table(
        "message_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.String(length=2000), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["messaging_link.id"],
            name=op.f("fk_message_outbox_link_id_messaging_link"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_message_outbox_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_outbox")),
        sa.UniqueConstraint(
            "notification_id", "link_id", name=op.f("uq_message_outbox_notification_id_link_id")
        ),
    )
    op.create_index("ix_message_outbox_due", "message_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_message_outbox_link_id", "message_outbox", ["link_id"])
    # Existing choices keep messages on, like a person who never chose.
    with op.batch_alter_table("notification_preference") as batch_op:
        batch_op.add_column(
            sa.Column("message", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("notification_preference") as batch_op:
        batch_op.drop_column("message")
    op.drop_table("message_outbox")
    op.drop_table("messaging_link_code")
    op.drop_table("messaging_link")
    op.drop_table("messaging_seen_signature")
    op.drop_table("messaging_bot_state")
