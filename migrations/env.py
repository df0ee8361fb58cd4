"""Alembic environment: the portal's metadata, SQLite batch mode, one engine per run."""

from __future__ import annotations

from alembic import context

import portal.models
from portal.core.db import make_engine
from portal.core.migrate import check_references, without_foreign_keys

config = context.config
target_metadata = portal.models.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # Full-text search lives in hand-written DDL (FTS5 tables, expression indexes), not models.
    if type_ == "table" and name and name.startswith("idea_fts"):
        return False
    if type_ == "column" and name == "vector" and obj.table.name == "idea_search":
        return False  # PostgreSQL only: the stored tsvector of the terms (migration 0018)
    return not (type_ == "index" and name and name.startswith("ix_idea_search"))


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    # SQLite: foreign keys off while tables are rebuilt, references checked at each commit
    # (portal/core/migrate.py says why).
    engine = without_foreign_keys(make_engine(url, pool=False))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
            compare_type=True,
            on_version_apply=check_references,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
