"""Alembic, driven from code: `portal migrate` and the test fixtures call `upgrade`; /healthz
compares the database with `latest_revision`."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from portal.settings import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config


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
    `revision` and `down_revision`, without loading Alembic into every app process (some
    8 MB each) for a health check. tests/test_migrations.py checks it against Alembic's."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        revision, down = _revision_of(path)
        revisions.add(revision)
        parents.update(down)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()
