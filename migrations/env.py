"""Alembic environment: the portal's metadata, SQLite batch mode, one engine per run."""

from __future__ import annotations

from alembic import context

import portal.models
from portal.db import make_engine

config = context.config
target_metadata = portal.models.metadata


def include_object(obj, name, type_, reflected, compare_to):
    # Full-text search lives in hand-written DDL (FTS5 tables, expression indexes), not models.
    if type_ == "table" and name and name.startswith("idea_fts"):
        return False
    return not (type_ == "index" and name and name.startswith("ix_idea_search"))


def run_migrations_online() -> None:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    engine = make_engine(url, pool=False)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
