"""`portal backup FILE` and `portal restore FILE`: a consistent copy of the whole database,
taken while the site is serving, and loaded again into an empty database.

- SQLite: the backup is a SQLite database file, written with SQLite's online backup API in one
  step, which reads a single snapshot while writers carry on (WAL mode).
- PostgreSQL: the backup is `pg_dump --format=custom`, which reads one snapshot too.

The files people attached (MEDIA_DIR) go beside it, in `FILE.media.tar`, written after the
database, so that every file a row of the backup names is in it; `restore` unpacks that tar
into MEDIA_DIR when it is there. The files are named by their content, so unpacking over
files already there changes none of them.

Each kind names itself in its first bytes ("SQLite format 3", "PGDMP"), so `restore` tells them
apart, refuses a backup of the other kind of database, and refuses a file that is not a backup
of a portal (no `alembic_version` in it). A backup holds every account's email and password
hash: it is written readable by its owner only, and appears under its name only when complete.

`restore` loads into the database at DATABASE_URL only while it is empty (no table at all);
with `force`, everything there is replaced: SQLite's backup API overwrites the file's whole
content, and on PostgreSQL every table, view, sequence and type of the `public` schema is
dropped and the backup loaded in one transaction, so a failed restore leaves the database as
it was.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import make_url, text
from sqlalchemy.exc import OperationalError

from portal.core import db
from portal.core.migrate import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# The names of attached files (portal.media.storage): a content hash and an extension.
MEDIA_NAME = re.compile(r"^[0-9a-f]{64}\.(png|jpg|webp|pdf)$")


class BackupError(Exception):
    """Something the operator has to set right; the message says what."""


def database_kind(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


def file_kind(path: Path) -> str | None:
    """What a backup file holds, read from its first bytes: "sqlite", "postgresql" or None."""
    with path.open("rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head == SQLITE_MAGIC:
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def media_tar(path: Path) -> Path:
    """Where the files of the backup at `path` are."""
    return path.with_name(path.name + ".media.tar")


def backup(database_url: str, path: Path, media_dir: Path | None = None) -> str:
    """Write a consistent copy of the database to `path` (replacing it), and the files under
    `media_dir` beside it; says what it wrote."""
    done = _backup_database(database_url, path)
    if media_dir is None:
        return done
    count = _backup_media(media_dir, media_tar(path))
    return f"{done} Backed up {count:,} attached files to {media_tar(path)}."


def _backup_database(database_url: str, path: Path) -> str:
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created empty and private first: the tools below write into it and keep its mode.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        if database_kind(database_url) == "sqlite":
            _backup_sqlite(_sqlite_file(database_url), partial)
        else:
            _backup_postgresql(database_url, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    kind = KIND_NAMES[database_kind(database_url)]
    return f"Backed up the {kind} database to {path} ({path.stat().st_size:,} bytes)."


def _backup_media(media_dir: Path, into: Path) -> int:
    """Put every file under `media_dir` into the tar `into` (private, complete or absent)."""
    partial = into.with_name(into.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    count = 0
    try:
        with tarfile.open(partial, "w") as tar:
            names = sorted(os.listdir(media_dir)) if media_dir.is_dir() else []
            for name in names:
                file = media_dir / name
                if MEDIA_NAME.match(name) and file.is_file():
                    tar.add(file, arcname=name, recursive=False)
                    count += 1
        os.replace(partial, into)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _restore_media(tar_path: Path, media_dir: Path) -> int:
    """Unpack the files of a backup into `media_dir`: plain files with names of ours only (no
    path, no link, nothing else a tar can carry)."""
    media_dir.mkdir(parents=True, exist_ok=True)
    count = 0
    try:
        with tarfile.open(tar_path, "r") as tar:
            for member in tar:
                if not (member.isfile() and MEDIA_NAME.match(member.name)):
                    raise BackupError(f"{tar_path} holds {member.name!r}, not a file of ours.")
                source = tar.extractfile(member)
                assert source is not None  # a regular file
                partial = media_dir / f".partial-{member.name}"
                with source, partial.open("wb") as target:
                    shutil.copyfileobj(source, target)
                os.replace(partial, media_dir / member.name)
                count += 1
    except tarfile.TarError as exc:
        raise BackupError(f"{tar_path} is damaged: {exc}") from exc
    return count


def restore(
    database_url: str, path: Path, *, force: bool = False, media_dir: Path | None = None
) -> str:
    """Load the backup at `path` into the database at `database_url`, and its files into
    `media_dir`; says what it did."""
    done = _restore_database(database_url, path, force=force)
    tar_path = media_tar(path)
    if media_dir is None or not tar_path.is_file():
        return done
    count = _restore_media(tar_path, media_dir)
    return f"{done} Restored {count:,} attached files into {media_dir}."


def _restore_database(database_url: str, path: Path, *, force: bool) -> str:
    if not path.is_file():
        raise BackupError(f"There is no file at {path}.")
    kind, target = file_kind(path), database_kind(database_url)
    if kind is None:
        raise BackupError(f"{path} is not a backup made by `portal backup`.")
    if kind != target:
        raise BackupError(
            f"{path} is a backup of a {KIND_NAMES[kind]} database, and DATABASE_URL names a "
            f"{KIND_NAMES[target]} one. Restore it into a {KIND_NAMES[kind]} database."
        )
    if target == "sqlite":
        _restore_sqlite(path, _sqlite_file(database_url), force=force)
    else:
        _restore_postgresql(path, database_url, force=force)
    return _restored(database_url, path)


def _restored(database_url: str, path: Path) -> str:
    """What was restored, and whether the schema needs `portal migrate`."""
    engine = db.make_engine(database_url, pool=False)
    try:
        # Pages a running process kept are rendered again (the restore should be made with
        # the site stopped, but nothing is lost by being careful).
        db.bump_version(engine)
        with engine.connect() as conn:
            revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    done = f"Restored {path} (schema {revision})."
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    if revision == scripts.get_current_head():
        return done
    if revision in {s.revision for s in scripts.walk_revisions()}:
        return f"{done} Run `portal migrate` to bring it up to this release's schema."
    return (
        f"{done} That schema is newer than this release knows: install the release that "
        "made the backup."
    )


# SQLite ------------------------------------------------------------------------------------


def _sqlite_file(database_url: str) -> Path:
    name = make_url(database_url).database
    if not name or name == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file.")
    return Path(name)


def _backup_sqlite(database: Path, into: Path) -> None:
    if not database.is_file():
        raise BackupError(f"There is no database at {database}.")
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(into)
    try:
        # pages=-1 (the default): the whole database in one step, from one read snapshot;
        # in WAL mode writers go on meanwhile.
        source.backup(target)
        # A backup is one self-contained file: no -wal or -shm beside it when opened later.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()


def _tables_sqlite(conn: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]


def _full_length(backup_file: Path) -> bool:
    """Whether the file holds as many pages as its header says (page size at offset 16, one
    meaning 65,536; page count at offset 28)."""
    with backup_file.open("rb") as file:
        header = file.read(100)
    if len(header) < 100:
        return False
    size = int.from_bytes(header[16:18], "big")
    pages = int.from_bytes(header[28:32], "big")
    return backup_file.stat().st_size == (65536 if size == 1 else size) * pages


def _whole(source: sqlite3.Connection, backup_file: Path) -> None:
    """A damaged copy (cut short, bits flipped) is refused before anything is replaced: the
    backup API would copy its pages as they are."""
    try:
        result = [row[0] for row in source.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        result = [str(exc)]
    if result == ["ok"] and not _full_length(backup_file):
        # A copy cut short may lose only pages no table uses yet: quick_check reads none of
        # them, but the header still counts them.
        result = ["shorter than its header says"]
    if result != ["ok"]:
        raise BackupError(f"{backup_file} is damaged: {'; '.join(result[:3])}")


def _restore_sqlite(backup_file: Path, database: Path, *, force: bool) -> None:
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _whole(source, backup_file)
        if "alembic_version" not in _tables_sqlite(source):
            raise BackupError(f"{backup_file} is a SQLite database, but not a portal backup.")
        database.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(database, timeout=30)
        try:
            tables = _tables_sqlite(target)
            if tables and not force:
                raise BackupError(_not_empty(str(database), len(tables)))
            # Replaces the target's whole content, in one transaction of the target.
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()


# PostgreSQL --------------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """A PostgreSQL client program: Debian's newest (it reads any older server), or PATH's."""
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
    )
    program = found[-1] if found else shutil.which(name)
    if not program:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return program


def _libpq(database_url: str) -> tuple[str, dict[str, str]]:
    """The address for libpq's tools, and their environment: the password goes in PGPASSWORD,
    so that it never shows in the process list."""
    url = make_url(database_url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    address = url.set(drivername="postgresql", password=None)
    return address.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, env=env, capture_output=True, text=True, **kwargs)
    if done.returncode:
        name = Path(args[0]).name
        raise BackupError(f"{name} failed:\n{done.stderr.strip()}")
    return done


def _backup_postgresql(database_url: str, into: Path) -> None:
    address, env = _libpq(database_url)
    _run([_pg_tool("pg_dump"), "--format=custom", f"--file={into}", f"--dbname={address}"], env)


def _public_objects(database_url: str) -> tuple[list[str], list[str]]:
    """What the `public` schema holds: DROP statements for each table, view, sequence, type
    and function (leaving out what an extension owns), and the names of its tables."""
    engine = db.make_engine(database_url, pool=False)
    relations = text(
        """SELECT c.relkind, quote_ident(c.relname) FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
           ORDER BY c.relname"""
    )
    types = text(
        """SELECT quote_ident(t.typname) FROM pg_type t
           JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e')"""
    )
    functions = text(
        """SELECT quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')'
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prokind IN ('f', 'p')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"""
    )
    kinds = {
        "r": "TABLE",
        "p": "TABLE",
        "f": "FOREIGN TABLE",
        "v": "VIEW",
        "m": "MATERIALIZED VIEW",
        "S": "SEQUENCE",
    }
    try:
        with engine.connect() as conn:
            found = conn.execute(relations).all()
            type_names = conn.execute(types).scalars().all()
            function_names = conn.execute(functions).scalars().all()
    except OperationalError as exc:
        raise BackupError(
            f"Cannot reach the database at {_safe(database_url)} (create it first, empty):\n"
            f"{exc.orig}"
        ) from exc
    finally:
        engine.dispose()
    drops = [f"DROP {kinds[kind]} IF EXISTS public.{name} CASCADE;" for kind, name in found]
    drops += [f"DROP TYPE IF EXISTS public.{name} CASCADE;" for name in type_names]
    # Search's idea_search_ids(tsquery) among them: a restore would otherwise meet it again.
    drops += [f"DROP FUNCTION IF EXISTS public.{name} CASCADE;" for name in function_names]
    return drops, [name for kind, name in found if kind in "rp"]


def _restore_postgresql(backup_file: Path, database_url: str, *, force: bool) -> None:
    listing = _run([_pg_tool("pg_restore"), "--list", str(backup_file)], os.environ.copy())
    if not any(
        line.split()[3:6] == ["TABLE", "public", "alembic_version"] for line in _toc(listing)
    ):
        raise BackupError(f"{backup_file} is a PostgreSQL dump, but not a portal backup.")
    drops, tables = _public_objects(database_url)
    if tables and not force:
        raise BackupError(_not_empty(_safe(database_url), len(tables)))
    address, env = _libpq(database_url)
    env["PGOPTIONS"] = "-c client_min_messages=warning"  # no NOTICE for each dropped table
    with tempfile.TemporaryFile() as script_errors, tempfile.TemporaryFile() as load_errors:
        load = subprocess.Popen(
            [_pg_tool("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", f"--dbname={address}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=load_errors,
            env=env,
        )
        script = subprocess.Popen(
            [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(backup_file)],
            stdout=subprocess.PIPE,
            stderr=script_errors,
        )
        _load(script, load, drops)
        if script.returncode or load.returncode:
            script_errors.seek(0)
            load_errors.seek(0)
            said = (script_errors.read() + load_errors.read()).decode(errors="replace")
            raise BackupError(f"The restore failed; the database is as it was.\n{said.strip()}")


def _load(script: subprocess.Popen, load: subprocess.Popen, drops: list[str]) -> None:
    """Pour pg_restore's SQL into psql inside one transaction, committed only when the whole
    backup has been read: should pg_restore stop half-way (a damaged file), psql reaches the
    end of its input with the transaction open, and the server rolls it back."""
    assert script.stdout is not None and load.stdin is not None
    try:
        load.stdin.write("BEGIN;\n{}\n".format("\n".join(drops)).encode())
        shutil.copyfileobj(script.stdout, load.stdin, 1 << 20)
        if script.wait() == 0:
            load.stdin.write(b"ANALYZE;\nCOMMIT;\n")  # fresh planner statistics, then done
    except BrokenPipeError:  # psql stopped at an error (ON_ERROR_STOP): nothing committed
        pass
    finally:
        with contextlib.suppress(BrokenPipeError):
            load.stdin.close()
        script.stdout.close()
        script.wait()
        load.wait()


def _toc(listing: subprocess.CompletedProcess) -> list[str]:
    """The entries of `pg_restore --list` ("216; 1259 16385 TABLE public idea postgres")."""
    return [line for line in listing.stdout.splitlines() if line and not line.startswith(";")]


def _safe(database_url: str) -> str:
    return make_url(database_url).render_as_string(hide_password=True)


def _not_empty(where: str, tables: int) -> str:
    return (
        f"The database at {where} is not empty ({tables} tables). Restore into an empty "
        "database, or add --force to replace everything in it with the backup."
    )
