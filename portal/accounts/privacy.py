"""Privacy: download everything the portal holds about you, or delete your account.

Both reach across domains on purpose: they are about one person wherever their data lives.
Deleting erases the person (the account row and what only concerns them: sessions,
preferences, follows, notifications, registrations, unsent email); what they wrote stays,
shown as by "deleted user", and their votes stay counted: the vote rows remain without the
person (`vote.user_id` becomes NULL), so each idea's vote_count still equals its rows. The
person confirms with their password, or with a fresh single sign-on (see
portal.accounts.oidc): an account with both may use either, one without a password only the
sign-in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session

from portal.accounts.models import User
from portal.accounts.oidc import Proof, is_linked
from portal.comments.models import Comment
from portal.core.clock import utcnow
from portal.core.errors import ValidationError
from portal.core.i18n import _
from portal.decisions.models import FollowUp
from portal.ideas.models import Idea
from portal.notifications.models import EmailOutbox, Event, Notification, Preference
from portal.votes.models import Follow, Vote
from portal.workshops import services as workshops
from portal.workshops.models import Registration


def _rows(db: Session, stmt) -> list[dict[str, Any]]:  # noqa: ANN001
    out = []
    for row in db.execute(stmt).scalars():
        data = row.model_dump()
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()})
    return out


def export(db: Session, user: User) -> dict[str, Any]:
    """All data about `user`, as JSON-ready dicts (no password hash)."""
    profile = {
        k: v
        for k, v in _rows(db, select(User).where(User.id == user.id))[0].items()
        if k != "password_hash"
    }
    return {
        "exported_at": utcnow().isoformat(),
        "profile": profile,
        "ideas": _rows(db, select(Idea).where(Idea.author_id == user.id)),
        "comments": _rows(db, select(Comment).where(Comment.author_id == user.id)),
        "votes": _rows(db, select(Vote).where(Vote.user_id == user.id)),
        "follows": _rows(db, select(Follow).where(Follow.user_id == user.id)),
        "registrations": _rows(db, select(Registration).where(Registration.user_id == user.id)),
        "follow_ups": _rows(db, select(FollowUp).where(FollowUp.user_id == user.id)),
        "notifications": _rows(db, select(Notification).where(Notification.user_id == user.id)),
        "email_preferences": _rows(db, select(Preference).where(Preference.user_id == user.id)),
    }


def _confirm(db: Session, user: User, password_ok: bool | None, proof: Proof | None) -> None:
    """Raise ValidationError unless the password, or else the proof, confirms the deletion."""
    if password_ok is not None:
        if not password_ok or not user.password_hash:
            raise ValidationError({"password": _("The password is not right.")})
        return
    if (
        proof is None
        or proof.user_id != user.id
        or not is_linked(db, user.id, proof.issuer, proof.subject)
    ):
        raise ValidationError(
            {
                "sso": _(
                    "Your sign-in to confirm is missing or more than five minutes old, so "
                    "nothing was deleted. Please sign in again to confirm."
                )
            }
        )


def delete_account(
    *, db: Session, actor: User, password_ok: bool | None = None, proof: Proof | None = None
) -> None:
    """Erase the person; their content stays as "deleted user". Confirmed with the account's
    password (`password_ok`: whether the caller found it right, off the event loop and with
    guesses counted, see portal.accounts.signin), or, when none was given, with `proof` of a
    sign-in within the last five minutes with an identity linked to this account."""
    user = db.get(User, actor.id)
    assert user is not None
    _confirm(db, user, password_ok, proof)
    active = (
        db.execute(
            select(Registration.workshop_id).where(
                Registration.user_id == user.id, Registration.status != "cancelled"
            )
        )
        .scalars()
        .all()
    )
    for workshop_id in active:  # free the places, so the waitlist moves up
        workshops.cancel_registration(db=db, actor=user, workshop_id=workshop_id)
    db.execute(
        delete(EmailOutbox).where(EmailOutbox.user_id == user.id, EmailOutbox.status != "sent")
    )
    db.execute(delete(Event).where(Event.user_id == user.id, Event.fanned_out_at.is_(None)))
    # Votes stay as anonymous rows (ON DELETE SET NULL): the counts and the rows still agree.
    db.delete(user)
    db.flush()
