"""pilots: a piloting decision's cohort, its survey rounds before and after, its review

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, other: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{other}.id"], name=op.f(f"fk_pilot_{column}_{other}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "pilot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=True),
        sa.Column("baseline_round_id", sa.Integer(), nullable=True),
        sa.Column("followup_round_id", sa.Integer(), nullable=True),
        sa.Column("findings", sa.String(length=5000), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("next_decision_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 1", name=op.f("ck_pilot_size_positive")),
        sa.CheckConstraint(
            "member_count >= 0 AND member_count <= size", name=op.f("ck_pilot_within_size")
        ),
        _fk("decision_id", "decision", "CASCADE"),
        _fk("survey_id", "survey", "SET NULL"),
        _fk("baseline_round_id", "survey_round", "SET NULL"),
        _fk("followup_round_id", "survey_round", "SET NULL"),
        _fk("reviewed_by", "user", "SET NULL"),
        _fk("next_decision_id", "decision", "SET NULL"),
        _fk("created_by", "user", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_pilot_decision_id")),
    )
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pilot_next_decision_id"), ["next_decision_id"], unique=False
        )
    op.create_table(
        "pilot_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pilot_id"],
            ["pilot.id"],
            name=op.f("fk_pilot_member_pilot_id_pilot"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_pilot_member_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilot_member")),
        sa.UniqueConstraint("pilot_id", "user_id", name=op.f("uq_pilot_member_pilot_id_user_id")),
    )
    with op.batch_alter_table("pilot_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pilot_member_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pilot_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilot_member_user_id"))
    op.drop_table("pilot_member")
    with op.batch_alter_table("pilot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pilot_next_decision_id"))
    op.drop_table("pilot")
