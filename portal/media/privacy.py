"""The media domain's part of a person's data (portal.accounts.privacy): the files they
attached are in their download, and go with their account, rows and files alike (a file that
another attachment shares stays for it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.media import queries, storage
from portal.media.models import Attachment


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    stmt = select(Attachment).where(col(Attachment.uploader_id) == user_id)
    return {"attachments": privacy.rows(db, stmt)}


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    mine = select(Attachment).where(col(Attachment.uploader_id) == user.id)
    names = {n for a in db.execute(mine).scalars() for n in (a.name, a.thumb) if n}
    db.execute(delete(Attachment).where(col(Attachment.uploader_id) == user.id))
    storage.forget_after_commit(db, names, queries.names_in_use(db, names))
