"""Files on disk under MEDIA_DIR, each named by the SHA-256 of its bytes and its extension
(`<64 hex digits>.<ext>`): the same picture attached twice is kept once, a name never changes
meaning (so caches may keep it for a year), and a name says nothing about who sent it.

A file is written whole beside its final name and then renamed, so nothing ever reads half
a file. Files are removed only after the transaction that forgot their last row commits
(`forget_after_commit`), so a failed transaction loses no file still named by a row.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from sqlmodel import Session

from portal.core import db as db_mod

NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp|pdf)$")
_directory: list[Path] = [Path("var/media").resolve()]


def use(directory: str | Path) -> None:
    """Keep files under `directory` (the app and the command line set MEDIA_DIR here)."""
    _directory[0] = Path(directory).resolve()


def directory() -> Path:
    return _directory[0]


def path_of(name: str) -> Path | None:
    """Where the file called `name` lives, or None for a name no file of ours can have."""
    return directory() / name if NAME.match(name) else None


def save(data: bytes, ext: str) -> str:
    """Write `data` (unless a file with the same content is there) and return its name."""
    name = f"{hashlib.sha256(data).hexdigest()}.{ext}"
    root = directory()
    root.mkdir(parents=True, exist_ok=True)
    target = root / name
    if target.exists():
        return name
    fd, partial = tempfile.mkstemp(dir=root, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(partial, 0o644)
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return name


def forget_after_commit(db: Session, names: set[str], still_named: set[str]) -> None:
    """Remove the files `names`, but those in `still_named`, once `db` commits."""
    doomed = {n for n in names - still_named if n}

    def remove() -> None:
        for name in doomed:
            path = path_of(name)
            if path is not None:
                path.unlink(missing_ok=True)

    db_mod.after_commit(db, remove)
