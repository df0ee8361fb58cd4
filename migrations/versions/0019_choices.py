"""choices: questions on ideas and sessions, their options, answers, desk answers, evidence

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "choice_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("workshop_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("text_zh", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("live_results", sa.Boolean(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(idea_id IS NULL) <> (workshop_id IS NULL)",
            name=op.f("ck_choice_question_on_idea_or_session"),
        ),
        sa.CheckConstraint("kind IN ('pick', 'rank')", name=op.f("ck_choice_question_kind_known")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["user.id"],
            name=op.f("fk_choice_question_author_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_choice_question_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshop.id"],
            name=op.f("fk_choice_question_workshop_id_workshop"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choice_question")),
    )
    with op.batch_alter_table("choice_question", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_choice_question_idea_id"), ["idea_id"])
        batch_op.create_index(batch_op.f("ix_choice_question_workshop_id"), ["workshop_id"])

    op.create_table(
        "choice_option",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=120), nullable=False),
        sa.Column("text_zh", sa.String(length=120), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["choice_question.id"],
            name=op.f("fk_choice_option_question_id_choice_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choice_option")),
        sa.UniqueConstraint(
            "question_id", "position", name=op.f("uq_choice_option_question_id_position")
        ),
    )

    op.create_table(
        "choice_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ranking", sa.String(length=200), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["choice_question.id"],
            name=op.f("fk_choice_answer_question_id_choice_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_choice_answer_user_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choice_answer")),
        sa.UniqueConstraint(
            "question_id", "user_id", name=op.f("uq_choice_answer_question_id_user_id")
        ),
    )
    with op.batch_alter_table("choice_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_choice_answer_question_id"), ["question_id"])

    op.create_table(
        "choice_desk_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("ranking", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count >= 1", name=op.f("ck_choice_desk_answer_count_positive")),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["choice_question.id"],
            name=op.f("fk_choice_desk_answer_question_id_choice_question"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user.id"],
            name=op.f("fk_choice_desk_answer_recorded_by_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_choice_desk_answer")),
    )
    with op.batch_alter_table("choice_desk_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_choice_desk_answer_question_id"), ["question_id"])

    op.create_table(
        "choice_evidence",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_choice_evidence_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["choice_question.id"],
            name=op.f("fk_choice_evidence_question_id_choice_question"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "decision_id", name=op.f("pk_choice_evidence")),
    )
    with op.batch_alter_table("choice_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_choice_evidence_decision_id"), ["decision_id"])


def downgrade() -> None:
    for table, column in (
        ("choice_evidence", "decision_id"),
        ("choice_desk_answer", "question_id"),
        ("choice_answer", "question_id"),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    op.drop_table("choice_option")
    with op.batch_alter_table("choice_question", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_choice_question_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_choice_question_idea_id"))
    op.drop_table("choice_question")
