"""Alembic, driven from code: `portal migrate` and the test fixtures call `upgrade`.

On SQLite, migrations run with foreign keys off, as SQLite's own procedure for altering a table
asks: Alembic's batch mode rebuilds a table (copy, drop, rename), and dropping it with foreign
keys on would run the ON DELETE action of every row that refers to it, deleting each person's
votes, follows and login sessions with the old `user` table and emptying the authors of ideas
and comments. Instead, each migration checks before it commits that every reference still
finds its row (`PRAGMA foreign_key_check`), and stops, rolled back, when one does not.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event

from portal.settings import MIGRATIONS_DIR


class BrokenReferences(RuntimeError):
    """A migration left rows that refer to rows that do not exist."""


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for `database_url`, with no alembic.ini needed."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` up to `revision`."""
    command.upgrade(alembic_config(database_url), revision)


def without_foreign_keys(engine: Engine) -> Engine:
    """Have every new SQLite connection of `engine` leave foreign keys off (outside any
    transaction, where the pragma takes effect)."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _foreign_keys_off)  # after the engine's own pragmas
    return engine


def _foreign_keys_off(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA foreign_keys=OFF")


def check_references(ctx: Any, step: Any, **_: Any) -> None:
    """Alembic's on_version_apply: on SQLite, inside each migration's transaction, refuse to
    commit one that left a row referring to a missing row."""
    if ctx.connection.dialect.name != "sqlite":
        return
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        shown = ", ".join(
            f"{table} row {rowid} -> {parent}" for table, rowid, parent, _ in broken[:5]
        )
        raise BrokenReferences(f"migration {step} leaves {len(broken)} broken references: {shown}")
