"""triage: an idea's lead team and owner, requests for input, internal notes, scoring
criteria and scores

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _user(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["user.id"], name=op.f(f"fk_{table}_{column}_user"), ondelete="SET NULL"
    )


def _cascade(table: str, column: str, other: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{other}.id"], name=op.f(f"fk_{table}_{column}_{other}"), ondelete="CASCADE"
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    op.create_table(
        "triage_assignment",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by", sa.Integer(), nullable=True),
        sa.Column("assigned_at", when, nullable=False),
        _cascade("triage_assignment", "idea_id", "idea"),
        _cascade("triage_assignment", "team_id", "team"),
        _user("triage_assignment", "owner_id"),
        _user("triage_assignment", "assigned_by"),
        sa.PrimaryKeyConstraint("idea_id", name=op.f("pk_triage_assignment")),
    )
    _indexes("triage_assignment", "team_id")
    op.create_table(
        "triage_input_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.String(length=2000), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=True),
        sa.Column("asked_at", when, nullable=False),
        sa.Column("answered_at", when, nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        _cascade("triage_input_request", "idea_id", "idea"),
        _cascade("triage_input_request", "team_id", "team"),
        _user("triage_input_request", "asked_by"),
        _user("triage_input_request", "answered_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_input_request")),
        sa.UniqueConstraint(
            "idea_id", "team_id", name=op.f("uq_triage_input_request_idea_id_team_id")
        ),
    )
    _indexes("triage_input_request", "idea_id", "team_id")
    op.create_table(
        "triage_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.String(length=5000), nullable=False),
        sa.Column("body_html", sa.String(), nullable=True),
        sa.Column("html_version", sa.String(length=100), nullable=True),
        sa.Column("created_at", when, nullable=False),
        _cascade("triage_note", "idea_id", "idea"),
        _user("triage_note", "author_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_note")),
    )
    _indexes("triage_note", "idea_id")
    op.create_table(
        "triage_criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("name_zh", sa.String(length=80), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("created_at", when, nullable=False),
        sa.CheckConstraint("weight >= 1 AND weight <= 10", name=op.f("ck_triage_criterion_weight")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_criterion")),
    )
    op.create_table(
        "triage_score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("scored_by", sa.Integer(), nullable=True),
        sa.Column("scored_at", when, nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 5", name=op.f("ck_triage_score_score")),
        _cascade("triage_score", "idea_id", "idea"),
        _cascade("triage_score", "criterion_id", "triage_criterion"),
        _user("triage_score", "scored_by"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_score")),
        sa.UniqueConstraint(
            "idea_id", "criterion_id", name=op.f("uq_triage_score_idea_id_criterion_id")
        ),
    )
    _indexes("triage_score", "idea_id", "criterion_id")


def downgrade() -> None:
    for table in (
        "triage_score",
        "triage_criterion",
        "triage_note",
        "triage_input_request",
        "triage_assignment",
    ):
        op.drop_table(table)
