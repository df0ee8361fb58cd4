"""The surveys' part of a person's data (portal.accounts.privacy): their responses with
their answers, and their invitations. When the account goes, drafts are erased and sent
responses stay, without the person (the database sets `user_id` to NULL), so a round's
results do not change; invitations are erased with the account. Answers given through an
anonymous link were never tied to the person and are not part of either."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.accounts.models import User
from portal.surveys.models import Answer, Invitation, Response, TextAnswer


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    mine = select(col(Response.id)).where(col(Response.user_id) == user_id)
    return {
        "survey_responses": privacy.rows(
            db, select(Response).where(col(Response.user_id) == user_id)
        ),
        "survey_answers": privacy.rows(db, select(Answer).where(col(Answer.response_id).in_(mine))),
        "survey_text_answers": privacy.rows(
            db, select(TextAnswer).where(col(TextAnswer.response_id).in_(mine))
        ),
        "survey_invitations": [
            {k: v for k, v in row.items() if k != "token_hash"}
            for row in privacy.rows(
                db, select(Invitation).where(col(Invitation.user_id) == user_id)
            )
        ],
    }


@privacy.erasures.register
def erase(db: Session, user: User) -> None:
    db.execute(
        delete(Response).where(col(Response.user_id) == user.id, col(Response.is_draft).is_(True))
    )
