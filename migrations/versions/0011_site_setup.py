"""set up in the browser: site settings, categories that can be archived, ideas without a
category, teams (responsible for decisions), and corrections of published decisions

A decision's free-text responsible team becomes a link to teams: one team is made for each
distinct non-empty text (spaces trimmed, letter case ignored, the first spelling kept), and
the decisions are linked to it, so nothing that was shown is lost. Going back writes the
names into the text again.

`idea.category_id` may be empty from here. On PostgreSQL that is one ALTER. SQLite cannot
alter a column, and Alembic's batch mode would rebuild the `idea` table: dropping the old
one deletes, through the foreign keys, every vote, follow, comment and status change of every
idea, and takes the full-text search triggers with it. So on SQLite the NOT NULL is taken out
of the table's stored definition instead, in the way SQLite documents for removing NOT NULL
constraints (writable_schema, a new schema version, then an integrity check): the rows on
disk do not change.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

team = sa.table(
    "team",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("description", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
decision = sa.table(
    "decision", sa.column("id", sa.Integer), sa.column("team", sa.String), sa.column("published_at")
)
decision_team = sa.table(
    "decision_team", sa.column("decision_id", sa.Integer), sa.column("team_id", sa.Integer)
)
category = sa.table(
    "category",
    sa.column("id", sa.Integer),
    sa.column("slug", sa.String),
    sa.column("name", sa.String),
    sa.column("name_zh", sa.String),
    sa.column("position", sa.Integer),
)
idea = sa.table("idea", sa.column("category_id", sa.Integer))


def _idea_category_sqlite(required: bool) -> None:
    """Set whether idea.category_id is NOT NULL in SQLite's stored table definition."""
    conn = op.get_bind()
    sql = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'idea'"
    ).scalar_one()
    old, new = (
        ("category_id INTEGER,", "category_id INTEGER NOT NULL,")
        if required
        else ("category_id INTEGER NOT NULL,", "category_id INTEGER,")
    )
    changed, n = re.subn(rf"\b{re.escape(old)}", new, sql)
    if n != 1:
        raise RuntimeError(f"unexpected definition of the idea table:\n{sql}")
    version = conn.exec_driver_sql("PRAGMA schema_version").scalar_one()
    conn.exec_driver_sql("PRAGMA writable_schema = ON")
    conn.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'idea'", (changed,)
    )
    conn.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    conn.exec_driver_sql("PRAGMA writable_schema = OFF")
    problems = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
    if problems != ["ok"]:
        raise RuntimeError(f"integrity check after changing the idea table: {problems}")


def _idea_category(required: bool) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _idea_category_sqlite(required)
    else:
        op.alter_column("idea", "category_id", existing_type=sa.Integer(), nullable=not required)


def _teams_from_text() -> None:
    """A team per distinct responsible-team text, and each decision linked to its team."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(decision.c.id, decision.c.team).order_by(decision.c.published_at, decision.c.id)
    ).all()
    made: dict[str, int] = {}
    now = datetime.now(UTC)
    for decision_id, text in rows:
        name = " ".join((text or "").split())
        if not name:
            continue
        key = name.casefold()
        if key not in made:
            made[key] = conn.execute(
                team.insert()
                .values(name=name, name_zh="", description="", created_at=now)
                .returning(team.c.id)
            ).scalar_one()
        conn.execute(decision_team.insert().values(decision_id=decision_id, team_id=made[key]))


def upgrade() -> None:
    settings = op.create_table(
        "site_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_name", sa.String(length=80), nullable=False),
        sa.Column("welcome_en", sa.String(length=3000), nullable=False),
        sa.Column("welcome_zh", sa.String(length=3000), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("response_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "response_days >= 1 AND response_days <= 365",
            name=op.f("ck_site_settings_response_days"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_settings")),
    )
    op.bulk_insert(
        settings,
        [
            {
                "id": 1,
                "site_name": "",
                "welcome_en": "",
                "welcome_zh": "",
                "contact_email": "",
                "response_days": 14,
            }
        ],
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_zh", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
    )
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_member_team_id_team"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_team_member_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_team_member_team_id_user_id")),
    )
    op.create_index(op.f("ix_team_member_user_id"), "team_member", ["user_id"], unique=False)
    op.create_table(
        "decision_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_team_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_decision_team_team_id_team")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_team")),
        sa.UniqueConstraint(
            "decision_id", "team_id", name=op.f("uq_decision_team_decision_id_team_id")
        ),
    )
    op.create_index(op.f("ix_decision_team_team_id"), "decision_team", ["team_id"], unique=False)
    op.create_table(
        "decision_revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("you_said", sa.String(length=5000), nullable=False),
        sa.Column("we_did", sa.String(length=5000), nullable=False),
        sa.Column("reason", sa.String(length=3000), nullable=False),
        sa.Column("pilot_start", sa.Date(), nullable=True),
        sa.Column("pilot_end", sa.Date(), nullable=True),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("teams", sa.Text(), nullable=False),
        sa.Column("ideas", sa.Text(), nullable=False),
        sa.Column("sessions", sa.Text(), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decision.id"],
            name=op.f("fk_decision_revision_decision_id_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["replaced_by_id"],
            ["user.id"],
            name=op.f("fk_decision_revision_replaced_by_id_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_revision")),
    )
    op.create_index(
        op.f("ix_decision_revision_decision_id"), "decision_revision", ["decision_id"], unique=False
    )
    # Plain ADD and DROP COLUMN (SQLite 3.35 and later drops a column in place): batch mode
    # would rebuild these tables, and dropping the old `decision` would delete its links and
    # follow-up answers through their foreign keys.
    op.add_column("decision", sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("category", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
    _teams_from_text()
    op.drop_column("decision", "team")
    _idea_category(required=False)


def _uncategorised() -> int:
    """The category that ideas without one are filed under when going back (the old schema
    requires one)."""
    conn = op.get_bind()
    found = conn.execute(sa.select(category.c.id).where(category.c.slug == "uncategorised"))
    category_id = found.scalar_one_or_none()
    if category_id is None:
        last = conn.execute(sa.select(sa.func.max(category.c.position))).scalar_one()
        category_id = conn.execute(
            category.insert()
            .values(
                slug="uncategorised",
                name="Uncategorised",
                name_zh="未分类",
                position=(last or 0) + 1,
            )
            .returning(category.c.id)
        ).scalar_one()
    return category_id


def _text_from_teams() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(decision_team.c.decision_id, team.c.name)
        .join(team, team.c.id == decision_team.c.team_id)
        .order_by(decision_team.c.decision_id, team.c.name)
    ).all()
    names: dict[int, list[str]] = {}
    for decision_id, name in rows:
        names.setdefault(decision_id, []).append(name)
    for decision_id, listed in names.items():
        conn.execute(
            decision.update()
            .where(decision.c.id == decision_id)
            .values(team=", ".join(listed)[:120])
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.execute(
        sa.select(sa.func.count()).select_from(idea).where(idea.c.category_id.is_(None))
    ).scalar_one():
        conn.execute(
            idea.update().where(idea.c.category_id.is_(None)).values(category_id=_uncategorised())
        )
    _idea_category(required=True)
    op.add_column(
        "decision",
        sa.Column("team", sa.String(length=120), server_default="", nullable=False),
    )
    _text_from_teams()
    op.drop_column("category", "archived_at")
    op.drop_column("decision", "corrected_at")
    op.drop_index(op.f("ix_decision_revision_decision_id"), table_name="decision_revision")
    op.drop_table("decision_revision")
    op.drop_index(op.f("ix_decision_team_team_id"), table_name="decision_team")
    op.drop_table("decision_team")
    op.drop_index(op.f("ix_team_member_user_id"), table_name="team_member")
    op.drop_table("team_member")
    op.drop_table("team")
    op.drop_table("site_settings")
