"""Writes of the desk domain: record what someone said at the desk, on a comment card, by phone
or in a chat, as a new idea, a comment or a vote, for them.

With an account (found by its address) the idea, comment or vote is the person's own, with the
same rules as on the site (one vote per person, a blocked or unconfirmed account takes no
part). Without one, the idea or comment has no author and the vote is counted apart
(portal.votes.models.DeskVote). Each record keeps who made it, and an audit entry says so;
someone's contact is kept only when they agreed to it."""

from __future__ import annotations

from sqlmodel import Session

from portal.accounts import queries as accounts_q
from portal.accounts.models import User
from portal.comments import services as comments
from portal.core.errors import Forbidden, NotFound, Unconfirmed, ValidationError
from portal.core.forms import number
from portal.core.i18n import _
from portal.desk import permissions, queries
from portal.desk.models import KINDS, DeskRecord
from portal.ideas import queries as ideas_q
from portal.ideas import services as ideas
from portal.ideas.models import DESK_SOURCES
from portal.moderation import audit
from portal.votes import services as votes

NAME_MAX = 120
CONTACT_MAX = 254
FIELDS = (
    "source",
    "kind",
    "title",
    "body",
    "category_id",
    "idea",
    "comment",
    "email",
    "contact_name",
    "contact",
    "consent",
)


def _person(db: Session, values: dict[str, str], errors: dict[str, str]) -> User | None:
    """The account the feedback is from, by its address; None for someone without one, whose
    contact is kept only with their consent."""
    email = values["email"].strip()
    name, contact = values["contact_name"].strip(), values["contact"].strip()
    if email:
        person = accounts_q.user_by_email(db, email)
        if person is None:
            errors["email"] = _(
                "No account has this address. Leave it empty to record the feedback without one."
            )
        elif name or contact:
            errors["contact"] = _("Leave the contact empty: the account has the person's address.")
        return person
    if (name or contact) and not values["consent"]:
        errors["consent"] = _(
            "Ask whether the library may keep their contact and tick the box, or leave it empty."
        )
    for key, value, most in (("contact_name", name, NAME_MAX), ("contact", contact, CONTACT_MAX)):
        if len(value) > most:
            errors[key] = _("Use at most %(n)s characters.", n=most)
        elif "\x00" in value:
            errors[key] = _("Remove the invisible control characters from your text.")
    return None


def _idea_id(db: Session, raw: str, errors: dict[str, str]) -> int | None:
    found = number(raw)
    if found is None or ideas_q.get(db, found) is None:
        errors["idea"] = _("Give the number of an idea on the site.")
        return None
    return found


def _check(db: Session, values: dict[str, str]) -> tuple[User | None, int | None]:
    """The person and the idea the feedback is about, or ValidationError naming each field."""
    errors: dict[str, str] = {}
    if values["source"] not in DESK_SOURCES:
        errors["source"] = _("Choose where the feedback was received.")
    if values["kind"] not in KINDS:
        errors["kind"] = _("Choose whether it is a new idea, a comment or a vote.")
    person = _person(db, values, errors)
    idea_id = (
        _idea_id(db, values["idea"], errors) if values["kind"] in ("comment", "vote") else None
    )
    if errors:
        raise ValidationError(errors)
    return person, idea_id


def _write(
    db: Session, values: dict[str, str], person: User | None, idea_id: int | None
) -> tuple[int, int | None]:
    """The idea, comment or vote itself, through its own domain; (idea id, comment id)."""
    kind, source = values["kind"], values["source"]
    if kind == "idea":
        idea = ideas.propose(
            db=db,
            actor=person,
            title=values["title"],
            body=values["body"],
            category_id=values["category_id"],
            source=source,
        )
        return idea.id, None
    assert idea_id is not None
    if kind == "comment":
        try:
            comment = comments.add(
                db=db, actor=person, idea_id=idea_id, body=values["comment"], source=source
            )
        except ValidationError as e:
            raise ValidationError({"comment": e.errors.get("body", "")}) from e
        return idea_id, comment.id
    if person is None:
        votes.desk_vote(db=db, idea_id=idea_id, source=source)
    elif not votes.vote(db=db, actor=person, idea_id=idea_id, source=source):
        raise ValidationError({"email": _("This person has already voted for this idea.")})
    return idea_id, None


def record(*, db: Session, recorder: User, values: dict[str, str]) -> DeskRecord:
    """Record feedback for someone: the idea, comment or vote, the desk record and its audit
    entry, in one transaction. `values` holds every name of FIELDS (strings; `consent` is
    non-empty when ticked). Staff only."""
    if not permissions.can_record(recorder):
        raise Forbidden()
    person, idea_id = _check(db, values)
    try:
        idea_id, comment_id = _write(db, values, person, idea_id)
    except Unconfirmed as e:
        raise ValidationError(
            {"email": _("This account's address is not confirmed yet: it cannot take part.")}
        ) from e
    except Forbidden as e:
        field = "idea" if person is None or person.blocked_at is None else "email"
        message = (
            _("This account is blocked: it cannot take part.")
            if field == "email"
            else _("This idea takes no new comments or votes.")
        )
        raise ValidationError({field: message}) from e
    except NotFound as e:
        raise ValidationError({"idea": _("Give the number of an idea on the site.")}) from e
    keep = person is None and bool(values["consent"])
    row = DeskRecord(
        kind=values["kind"],
        source=values["source"],
        idea_id=idea_id,
        comment_id=comment_id,
        person_id=person.id if person is not None else None,
        contact_name=values["contact_name"].strip() if keep else "",
        contact=values["contact"].strip() if keep else "",
        recorded_by_id=recorder.id,
    )
    db.add(row)
    db.flush()
    audit.record(
        db,
        recorder,
        f"desk_{row.kind}",
        "idea",
        idea_id,
        after={
            "source": row.source,
            "person_id": row.person_id,
            "comment_id": comment_id,
            "contact_kept": bool(row.contact_name or row.contact),
        },
    )
    return row


def _holding(db: Session, contact: str) -> list[DeskRecord]:
    """The records holding `contact`, or ValidationError on the field when none does."""
    if not contact.strip():
        raise ValidationError({"contact": _("Give the contact exactly as it was recorded.")})
    rows = queries.by_contact(db, contact)
    if not rows:
        raise ValidationError({"contact": _("No desk record holds this contact.")})
    return rows


def find_contact(*, db: Session, actor: User | None, contact: str) -> list[DeskRecord]:
    """The records holding exactly `contact`, for staff to check before erasing it."""
    if not permissions.can_erase_contact(actor):
        raise Forbidden()
    return _holding(db, contact)


def erase_contact(*, db: Session, actor: User, contact: str) -> int:
    """Remove a person's contact, and the name given with it, from every desk record that
    holds it, at their request; the idea, comment or vote stays, as from someone without an
    account. Each record's audit entry says that it was erased, never what. Staff only;
    returns how many records held it."""
    rows = find_contact(db=db, actor=actor, contact=contact)
    for row in rows:
        row.contact_name, row.contact = "", ""
        db.add(row)
        audit.record(
            db, actor, "desk_contact_erased", "desk_record", row.id, after={"idea_id": row.idea_id}
        )
    return len(rows)
