"""What `portal check` verifies of attached files.

- Each attachment names something that exists (an idea, a comment, a design session, a
  decision or a question's option on an idea or session that exists; they have no foreign
  key, since one column names any of them). Repaired by
  deleting the row, and its files unless another row names them.
- Each attachment's files are on disk under MEDIA_DIR. Not repairable here: restore MEDIA_DIR
  from the backup made with the database.
- Each file under MEDIA_DIR is named by an attachment (a request writes its file before its
  row, so a failed transaction or a crash leaves one behind). Repaired by deleting it, only
  when its name is one the portal gives and it is an hour old (a younger one may be waiting
  for its row); anything else in the directory is reported and left alone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from portal.core.integrity import Finding
from portal.media import queries, storage
from portal.media.models import Attachment


def check(db: Session, repair: bool) -> list[Finding]:
    findings: list[Finding] = []
    gone: list[Attachment] = []
    in_use: set[str] = set()
    for a in db.execute(select(Attachment).order_by(col(Attachment.id))).scalars():
        subject = f"attachment {a.id}"
        in_use.update(n for n in (a.name, a.thumb) if n)
        owner, _parent = queries.owner(db, a.owner_kind, a.owner_id)
        if owner is None:
            gone.append(a)
            findings.append(
                Finding(subject, f"{a.owner_kind} {a.owner_id} does not exist", repaired=repair)
            )
            continue
        for name in (a.name, a.thumb):
            path = storage.path_of(name) if name else None
            if name and (path is None or not path.is_file()):
                findings.append(Finding(subject, f"file {name} is missing", repairable=False))
    if repair and gone:
        names = {n for a in gone for n in (a.name, a.thumb) if n}
        for a in gone:
            db.delete(a)
        db.flush()
        storage.forget_after_commit(db, names, queries.names_in_use(db, names))
    return findings + _left_behind(db, in_use, repair)


def _left_behind(db: Session, in_use: set[str], repair: bool) -> list[Finding]:
    """Files under MEDIA_DIR that no row in `in_use` names (see storage.left_behind)."""
    ours, others = storage.left_behind(in_use)
    if repair and ours:
        storage.remove_left_behind(db, ours)
    return [Finding(f"file {name}", "no attachment names it", repaired=repair) for name in ours] + [
        Finding(f"file {name!r}", "not a name the portal gives its files", repairable=False)
        for name in others
    ]
