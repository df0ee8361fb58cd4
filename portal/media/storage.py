"""Files on disk under MEDIA_DIR, each named by the SHA-256 of its bytes and its extension
(`<64 hex digits>.<ext>`): the same picture attached twice is kept once, a name never changes
meaning (so caches may keep it for a year), and a name says nothing about who sent it.

A file is written whole beside its final name and then renamed, so nothing ever reads half
a file. Files are removed only after the transaction that forgot their last row commits
(`forget_after_commit`), so a failed transaction loses no file still named by a row.

A request writes its file before its row, so a transaction that then fails (or a crash)
leaves a file no row names. `portal check` finds them (`left_behind`) and `--repair` removes
them (`remove_left_behind`), but only files untouched for `SETTLE` seconds: a younger one may
belong to a request whose row is not committed yet. Reusing a file that is already there
touches it for that reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from portal.core import db as db_mod

NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp|pdf)$")
SETTLE = 3600  # seconds; far longer than any request that writes a file runs
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
        # A file left behind an hour ago is about to be named again: it is fresh from now on,
        # so `portal check --repair` cannot remove it before this request's row commits.
        os.utime(target)
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


def left_behind(in_use: set[str]) -> tuple[list[str], list[str]]:
    """Entries under the directory untouched for `SETTLE` seconds that no row names: those
    with a name of ours (plain files, removable), and anything else (never touched)."""
    root = directory()
    if not root.is_dir():
        return [], []
    ours: list[str] = []
    others: list[str] = []
    cutoff = time.time() - SETTLE
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.name in in_use:
                continue
            try:
                if entry.stat(follow_symlinks=False).st_mtime > cutoff:
                    continue
            except FileNotFoundError:  # removed since the directory was read
                continue
            mine = NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
            (ours if mine else others).append(entry.name)
    return sorted(ours), sorted(others)


def remove_left_behind(db: Session, names: list[str]) -> None:
    """Remove the files `names` once `db` commits, each only if it is still a plain file of
    ours untouched for `SETTLE` seconds (a request may have reused it since it was listed)."""

    def remove() -> None:
        cutoff = time.time() - SETTLE
        for name in names:
            if not NAME.fullmatch(name):
                continue
            path = directory() / name
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mtime <= cutoff:
                path.unlink(missing_ok=True)

    db_mod.after_commit(db, remove)
