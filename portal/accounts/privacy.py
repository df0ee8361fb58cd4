"""Privacy: download everything the portal holds about you, or delete your account.

Both are about one person wherever their data lives, so each domain that holds rows about a
person registers its part here (in its own privacy.py): what it exports (`exports`) and what
it erases or gives up before the account goes (`erasures`). This module reads and deletes
only the account's own rows.

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

from sqlalchemy import Select, select
from sqlmodel import Session, col

from portal.accounts.models import User
from portal.accounts.oidc import Proof, is_linked
from portal.core.clock import utcnow
from portal.core.errors import ValidationError
from portal.core.hooks import Hooks
from portal.core.i18n import _

# Each takes (db, user id) and returns its sections of the export: {"votes": [row, ...]}.
exports: Hooks[[Session, int], dict[str, list[dict[str, Any]]]] = Hooks(
    "a person's data is exported"
)
# Each takes (db, the person) and erases or gives up what only concerns them, before the
# account row goes (the database's ON DELETE rules then take what refers to it).
erasures: Hooks[[Session, User], None] = Hooks("a person deletes their account")


def rows(db: Session, stmt: Select) -> list[dict[str, Any]]:
    """The rows of `stmt` (one model's), JSON-ready: dates and times in ISO 8601."""
    out = []
    for row in db.execute(stmt).scalars():
        data = row.model_dump()
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()})
    return out


def export(db: Session, user: User) -> dict[str, Any]:
    """All data about `user`, as JSON-ready dicts (no password hash)."""
    profile = {
        k: v
        for k, v in rows(db, select(User).where(col(User.id) == user.id))[0].items()
        if k != "password_hash"
    }
    data: dict[str, Any] = {"exported_at": utcnow().isoformat(), "profile": profile}
    for sections in exports(db, user.id):
        data.update(sections)
    return data


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
    erasures(db, user)
    # Votes stay as anonymous rows (ON DELETE SET NULL): the counts and the rows still agree.
    db.delete(user)
    db.flush()
