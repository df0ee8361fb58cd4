"""What `portal check` verifies of attached files.

- Each attachment names something that exists (an idea, a comment, a design session, a
  decision or a question's option on an idea or session that exists; they have no foreign
  key, since one column names any of them). Repaired by
  deleting the row, and its files unless another row names them.
- Each attachment's files are on disk under MEDIA_DIR. Not repairable here: restore MEDIA_DIR
  from the backup made with the database.
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
    for a in db.execute(select(Attachment).order_by(col(Attachment.id))).scalars():
        subject = f"attachment {a.id}"
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
    return findings
