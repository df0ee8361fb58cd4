"""votes outlive their voter: vote.user_id becomes NULL when the account is deleted

Until now deleting an account deleted its vote rows (ON DELETE CASCADE) but kept the ideas'
vote_count, so counts and rows disagreed. From here the rows stay, anonymous. The votes that
were already deleted come back as anonymous rows, so every idea's vote_count equals its rows
again without lowering any count. Their time is not known; it is taken from what they added to
the idea's trending score, so trending stays what it was.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# portal.ideas.trending at the time of writing, copied so that this migration never changes.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
HALF_LIFE_SECONDS = 7 * 24 * 3600

idea = sa.table(
    "idea",
    sa.column("id", sa.Integer),
    sa.column("vote_count", sa.Integer),
    sa.column("trending", sa.Float),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
vote = sa.table(
    "vote",
    sa.column("idea_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _weight(at: datetime) -> float:
    return float(2 ** ((_aware(at) - EPOCH).total_seconds() / HALF_LIFE_SECONDS))


def _time_of(missing_weight: float, created: datetime, now: datetime) -> datetime:
    """When a vote of this weight was cast, within the idea's life; its creation otherwise."""
    if missing_weight <= 0 or not math.isfinite(missing_weight):
        return created
    at = EPOCH + timedelta(seconds=HALF_LIFE_SECONDS * math.log2(missing_weight))
    return min(max(at, created), now)


def _restore_deleted_votes() -> None:
    conn = op.get_bind()
    rows = sa.select(vote.c.idea_id, sa.func.count().label("n")).group_by(vote.c.idea_id).subquery()
    short = conn.execute(
        sa.select(
            idea.c.id,
            idea.c.vote_count,
            idea.c.trending,
            idea.c.created_at,
            sa.func.coalesce(rows.c.n, 0),
        )
        .outerjoin(rows, rows.c.idea_id == idea.c.id)
        .where(idea.c.vote_count > sa.func.coalesce(rows.c.n, 0))
    ).all()
    now = datetime.now(UTC)
    for idea_id, count, trending, created, present in short:
        created = _aware(created)
        times = conn.execute(sa.select(vote.c.created_at).where(vote.c.idea_id == idea_id))
        known = _weight(created) + sum(_weight(t) for (t,) in times)
        missing = count - present
        at = _time_of((trending - known) / missing, created, now)
        conn.execute(
            vote.insert(), [{"idea_id": idea_id, "user_id": None, "created_at": at}] * missing
        )


def upgrade() -> None:
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint("fk_vote_user_id_user", type_="foreignkey")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            "fk_vote_user_id_user", "user", ["user_id"], ["id"], ondelete="SET NULL"
        )
    _restore_deleted_votes()


def downgrade() -> None:
    # The old schema has no place for a vote without its person: those rows go, the counts stay.
    op.execute(vote.delete().where(vote.c.user_id.is_(None)))
    with op.batch_alter_table("vote", schema=None) as batch_op:
        batch_op.drop_constraint("fk_vote_user_id_user", type_="foreignkey")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            "fk_vote_user_id_user", "user", ["user_id"], ["id"], ondelete="CASCADE"
        )
