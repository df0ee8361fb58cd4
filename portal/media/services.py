"""Writes of the media domain: attaching a file (one verb, one function), and forgetting the
files of an account that is deleted (portal.media.privacy)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from portal.accounts import permissions as account_rules
from portal.accounts.models import User
from portal.core.errors import Forbidden, NotFound, ValidationError
from portal.core.i18n import _
from portal.media import files, permissions, queries, storage
from portal.media.models import OWNER_KINDS, Attachment

ALT_MAX = 300


def clean_filename(name: str) -> str:
    """The name a PDF is offered for download under: the last part of what the browser sent,
    without control characters or quotes, at most 120 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in base if c.isprintable() and c not in "\"'<>;").strip()
    return kept[-120:] or "document.pdf"


def attach(
    *,
    db: Session,
    actor: User,
    kind: str,
    owner_id: int,
    upload: Path | None,
    filename: str,
    alt: str,
) -> Attachment:
    """Attach the uploaded file at `upload` to an idea, comment, design session, decision or
    question's option (pictures only).
    Authorizes (NotFound for what does not exist or is hidden from the actor, Forbidden for
    what they may not attach to), checks the file and the alt text (ValidationError naming
    the field; nothing is stored), keeps the cleaned file under its content's name and writes
    the row."""
    if kind not in OWNER_KINDS:
        raise NotFound()
    owner, parent = queries.owner(db, kind, owner_id)
    if not permissions.can_see(actor, kind, owner, parent):
        raise NotFound()
    account_rules.take_part(actor)
    if not permissions.can_attach(actor, kind, owner, parent):
        raise Forbidden()
    alt = alt.strip()
    errors: dict[str, str] = {}
    if len(alt) > ALT_MAX:
        errors["alt"] = _("Keep the description to 300 characters or fewer.")
    kept = None
    try:
        if upload is None:
            raise files.Refused(_("Choose a picture or a PDF to attach."))
        kept = files.read(upload)
    except files.Refused as exc:
        errors["file"] = str(exc)
    if kept is not None and kept.kind == "pdf" and kind == "choice_option":
        # An option shows its pictures beside its text; a PDF there would say nothing.
        errors["file"] = _("Choose a picture: an option shows pictures, not PDFs.")
    if kept is not None and kept.kind == "image" and not alt:
        errors["alt"] = _(
            "Describe the picture for people who cannot see it, for example "
            "“A floor plan with six group-study tables by the windows”."
        )
    if errors or kept is None:
        raise ValidationError(errors)
    row = Attachment(
        owner_kind=kind,
        owner_id=owner_id,
        uploader_id=actor.id,
        kind=kept.kind,
        name=storage.save(kept.data, kept.ext),
        thumb=storage.save(kept.thumb, "webp") if kept.thumb else "",
        alt=alt,
        filename=clean_filename(filename) if kept.kind == "pdf" else "",
        size=len(kept.data),
        width=kept.width,
        height=kept.height,
    )
    db.add(row)
    db.flush()
    return row
