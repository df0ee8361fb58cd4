"""Alembic, driven from code: `portal migrate` and the test fixtures call `upgrade`."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from portal.settings import MIGRATIONS_DIR


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for `database_url`, with no alembic.ini needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)
