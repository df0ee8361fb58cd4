"""user Markdown rendered once: each Markdown column's sanitized HTML, and by which renderer

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.core import markdown

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables' Markdown columns as this migration found them (the models declare them too,
# with portal.core.markdown.stored; later tables add their own in their own migrations).
TABLES: dict[str, tuple[str, ...]] = {
    "idea": ("body",),
    "status_change": ("response",),
    "comment": ("body",),
    "decision": ("you_said", "we_did", "reason"),
    "decision_revision": ("you_said", "we_did", "reason"),
    "story": ("happened", "did", "changed"),
    "workshop": ("description", "notes", "outcomes"),
    "pilot": ("findings",),
}


def upgrade() -> None:
    for name, sources in TABLES.items():
        for source in sources:
            op.add_column(name, sa.Column(f"{source}_html", sa.String(), nullable=True))
        op.add_column(name, sa.Column("html_version", sa.String(length=100), nullable=True))
    # Fill them now, in batches, so that no page renders on the fly after the upgrade.
    for name, sources in TABLES.items():
        markdown.rerender_stale(op.get_bind(), name, sources)


def downgrade() -> None:
    for name, sources in TABLES.items():
        op.drop_column(name, "html_version")
        for source in sources:
            op.drop_column(name, f"{source}_html")
