"""an index that pages an idea's comment threads

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_comment_idea_thread",
        "comment",
        ["idea_id", "parent_id", "created_at", "id", "is_official"],
    )


def downgrade() -> None:
    op.drop_index("ix_comment_idea_thread", table_name="comment")
