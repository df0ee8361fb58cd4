"""The choices' part of a person's data (portal.accounts.privacy): the answers they gave.
When the account goes, the database keeps each answer without the person (`user_id` set to
NULL), as votes are kept: the results of a closed question do not move when someone leaves."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from portal.accounts import privacy
from portal.choices.models import ChoiceAnswer


@privacy.exports.register
def export(db: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    stmt = select(ChoiceAnswer).where(col(ChoiceAnswer.user_id) == user_id)
    return {"choice_answers": privacy.rows(db, stmt.order_by(col(ChoiceAnswer.id)))}
