"""Alembic, driven from code: `portal migrate` and the test fixtures call `upgrade`; /healthz
compares the database with `latest_revision`, read from the migration files without Alembic.

On SQLite, migrations run with foreign keys off, as SQLite's own procedure for altering a table
asks: Alembic's batch mode rebuilds a table (copy, drop, rename), and dropping it with foreign
keys on would run the ON DELETE action of every row that refers to it, deleting each person's
votes, follows and login sessions with the old `user` table and emptying the authors of ideas
and comments. Instead, each migration checks before it commits that every reference still
finds its row (`PRAGMA foreign_key_check`), and stops, rolled back, when one does not.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event

from portal.settings import MIGRATIONS_DIR

if TYPE_CHECKING:  # Alembic itself is loaded only to migrate (some 8 MB per process)
    from alembic.config import Config


class BrokenReferences(RuntimeError):
    """A migration left rows that refer to rows that do not exist."""


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for `database_url`, with no alembic.ini needed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["database_url"] = database_url
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the database at `database_url` up to `revision`."""
    from alembic import command

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


def _revision_of(path: Path) -> tuple[str, list[str]]:
    """A migration file's `revision` and `down_revision`s (read, never run)."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.target.id in ("revision", "down_revision")
            and node.value is not None
        ):
            found[node.target.id] = ast.literal_eval(node.value)
    down = found.get("down_revision") or ()
    return str(found["revision"]), [str(d) for d in (down if isinstance(down, tuple) else [down])]


@cache
def latest_revision() -> str:
    """The newest migration (the head), read once per process from the migration files'
    `revision` and `down_revision`, without loading Alembic into every app process for a
    health check. tests/test_migrations.py checks it against Alembic's."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        revision, down = _revision_of(path)
        revisions.add(revision)
        parents.update(down)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()
