"""design sessions and the committee

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workshop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("description", sa.String(length=10000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("online_link", sa.String(length=500), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notes", sa.String(length=20000), nullable=False),
        sa.Column("outcomes", sa.String(length=10000), nullable=False),
        sa.Column("notes_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["user.id"],
            name=op.f("fk_workshop_created_by_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop")),
    )
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.create_index("ix_workshop_starts", ["starts_at", "id"], unique=False)

    op.create_table(
        "decision_workshop",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_workshop_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_decision_workshop_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_workshop")),
        sa.UniqueConstraint(
            "decision_id", "workshop_id", name=op.f("uq_decision_workshop_decision_id_workshop_id")
        ),
    )
    with op.batch_alter_table("decision_workshop", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_workshop_workshop_id"), ["workshop_id"], unique=False
        )

    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("access_needs", sa.String(length=2000), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_registration_user_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_registration_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration")),
        sa.UniqueConstraint(
            "workshop_id", "user_id", name=op.f("uq_registration_workshop_id_user_id")
        ),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index(
            "ix_registration_queue", ["workshop_id", "status", "queued_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_registration_user_id"), ["user_id"], unique=False)

    op.create_table(
        "workshop_idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_workshop_idea_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_workshop_idea_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_idea")),
        sa.UniqueConstraint(
            "workshop_id", "idea_id", name=op.f("uq_workshop_idea_workshop_id_idea_id")
        ),
    )
    with op.batch_alter_table("workshop_idea", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_idea_idea_id"), ["idea_id"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("committee_until", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("committee_listed", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("committee_listed")
        batch_op.drop_column("committee_until")

    with op.batch_alter_table("workshop_idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_idea_idea_id"))

    op.drop_table("workshop_idea")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_registration_user_id"))
        batch_op.drop_index("ix_registration_queue")

    op.drop_table("registration")
    with op.batch_alter_table("decision_workshop", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_workshop_workshop_id"))

    op.drop_table("decision_workshop")
    with op.batch_alter_table("workshop", schema=None) as batch_op:
        batch_op.drop_index("ix_workshop_starts")

    op.drop_table("workshop")
